namespace PollyBreakerExt;

/// <summary>
/// Judges the breaker's health: what the window holds, which calls are slow, and whether a trip condition holds
/// (DESIGN.md "Semantics", rules 1 and 2).
/// </summary>
/// <remarks>Not thread-safe: the controller calls it under its lock, except <see cref="IsSlow"/>, which reads no state.</remarks>
internal sealed class CircuitHealthPolicy
{
    private readonly ISlidingWindow _window;
    private readonly int _minimumThroughput;
    private readonly double? _failureRatio;
    private readonly double _slowCallRatio;
    private readonly long _slowCallThreshold;
    private readonly InFlightCalls? _inFlight;

    /// <param name="window">The window of recorded calls.</param>
    /// <param name="minimumThroughput">Calls the window must hold before a ratio is judged.</param>
    /// <param name="failureRatio">The failure ratio that trips, or <see langword="null"/>.</param>
    /// <param name="slowCallThreshold">The slow-call duration threshold in timestamp units (at least 1), or 0 when slow-call detection is off.</param>
    /// <param name="slowCallRatio">The slow-call ratio that trips.</param>
    /// <param name="countInFlightSlowCalls">Whether calls still running for the threshold count as slow calls (needs slow-call detection).</param>
    /// <param name="inFlightCapacity">How many running calls are tracked at once.</param>
    public CircuitHealthPolicy(ISlidingWindow window, int minimumThroughput, double? failureRatio, long slowCallThreshold, double slowCallRatio, bool countInFlightSlowCalls = false, int inFlightCapacity = InFlightCalls.DefaultCapacity)
    {
        _inFlight = countInFlightSlowCalls && slowCallThreshold != 0 ? new InFlightCalls(slowCallThreshold, inFlightCapacity) : null;
        _window = window;
        _minimumThroughput = minimumThroughput;
        _failureRatio = failureRatio;
        _slowCallThreshold = slowCallThreshold;
        _slowCallRatio = slowCallRatio;
    }

    /// <summary>Gets whether slow-call detection is on.</summary>
    public bool DetectsSlowCalls => _slowCallThreshold != 0;

    /// <summary>Gets whether recording a call needs the time it completed: for its duration or for a time-based window.</summary>
    public bool NeedsCompletionTime => _slowCallThreshold != 0 || _window is TimeBasedWindow;

    /// <summary>Returns whether a call admitted at <paramref name="start"/> and completed at <paramref name="now"/> was slow.</summary>
    public bool IsSlow(long start, long now) => _slowCallThreshold != 0 && now - start >= _slowCallThreshold;

    /// <summary>Gets whether running calls are tracked, so that those running for the threshold count as slow.</summary>
    public bool TracksInFlight => _inFlight is not null;

    /// <summary>Records a completed call and returns the counts after it, running calls past the threshold included.</summary>
    public WindowCounts Record(bool isFailure, bool isSlow, long now)
    {
        var counts = WithInFlight(_window.Record(isFailure, isSlow, now), now);
        _inFlight?.MarkJudged(); // every completion is judged
        return counts;
    }

    /// <summary>Returns the counts at <paramref name="now"/>, running calls past the threshold included.</summary>
    public WindowCounts GetCounts(long now) => WithInFlight(_window.GetCounts(now), now);

    /// <summary>Forgets every recorded call, and the running calls: they count for nothing until they end.</summary>
    public void Clear()
    {
        _window.Clear();
        _inFlight?.Forget();
    }

    /// <summary>
    /// Registers an admitted call (when <see cref="TracksInFlight"/>), without a lock; returns its sequence number for
    /// <see cref="Release"/>, or -1 when too many calls run at once to track another.
    /// </summary>
    public long Admit(long start, int probeGeneration) => _inFlight!.Admit(start, probeGeneration);

    /// <summary>Returns, without a lock, whether a running call may have reached the threshold since the last judgement.</summary>
    public bool MayHaveHungCall(long now) => _inFlight!.MayHaveReached(now);

    /// <summary>Removes a finished call registered by <see cref="Admit"/>: from now on only its record counts. Under the lock.</summary>
    public void Release(long sequence) => _inFlight!.Release(sequence);

    /// <summary>
    /// Judges the running calls at <paramref name="now"/>; returns whether any of them counts as slow (only then can a trip
    /// condition hold without a new record).
    /// </summary>
    public bool JudgeInFlight(long now)
    {
        if (_inFlight is null)
        {
            return false;
        }

        _inFlight.CountReached(now);
        _inFlight.MarkJudged();
        return _inFlight.SlowCount > 0;
    }

    /// <summary>Returns whether a half-open probe of generation <paramref name="episodeGeneration"/> or later is running past the threshold.</summary>
    public bool HasHungProbe(int episodeGeneration) => _inFlight is { } inFlight && inFlight.HungProbeGeneration >= episodeGeneration && inFlight.HungProbeGeneration != 0;

    private WindowCounts WithInFlight(WindowCounts counts, long now)
    {
        if (_inFlight is null)
        {
            return counts;
        }

        _inFlight.CountReached(now);
        var hung = _inFlight.SlowCount;
        return hung == 0 ? counts : counts with { Calls = counts.Calls + hung, SlowCalls = counts.SlowCalls + hung };
    }

    /// <summary>Returns the first trip condition that holds for <paramref name="counts"/>, in DESIGN.md's order, or <see langword="null"/>.</summary>
    public CircuitTransitionReason? TripReason(in WindowCounts counts)
    {
        if (counts.FailureThresholdReached)
        {
            return CircuitTransitionReason.FailureThreshold;
        }

        if (counts.Calls < _minimumThroughput)
        {
            return null;
        }

        if (_failureRatio is { } failureRatio && counts.FailureRatio >= failureRatio)
        {
            return CircuitTransitionReason.FailureRatio;
        }

        if (_slowCallThreshold != 0 && counts.SlowCallRatio >= _slowCallRatio)
        {
            return CircuitTransitionReason.SlowCallRatio;
        }

        return null;
    }
}
