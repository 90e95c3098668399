namespace PollyBreakerExt;

/// <summary>
/// Judges the breaker's health: what the window holds, which calls are slow, and whether a trip condition holds
/// (DESIGN.md "Semantics", rules 1 and 2).
/// </summary>
/// <remarks>
/// Not thread-safe: the controller calls it under its lock, except the members that say they run without it: admitting,
/// and recording a success that cannot trip the breaker.
/// </remarks>
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
        _inFlight?.CountReached(now); // before the window's counts: see InFlightCalls.CountReached
        var counts = WithInFlight(_window.Record(isFailure, isSlow, now));
        _inFlight?.MarkJudged(); // every completion is judged
        return counts;
    }

    /// <summary>Returns the counts at <paramref name="now"/> for a trip judgement, running calls past the threshold included.</summary>
    public WindowCounts Judge(long now)
    {
        var counts = GetCounts(now);
        _inFlight?.MarkJudged();
        return counts;
    }

    /// <summary>
    /// Records a fast success of a call admitted in <paramref name="generation"/> without the lock, releasing its running
    /// slot first; returns <see langword="false"/> when it must be recorded under the lock instead, with
    /// <paramref name="released"/> saying whether its slot was given back already.
    /// </summary>
    public bool TryRecordSuccessWithoutLock(long sequence, int generation, long now, out bool released)
    {
        released = false;
        if (sequence >= 0)
        {
            if (!_inFlight!.TryReleaseWithoutLock(sequence))
            {
                return false; // counted as slow while it ran: its count gives way to its record under the lock
            }

            released = true;
        }

        return _window.TryRecordSuccess(now, generation);
    }

    /// <summary>
    /// Returns, without the lock and after a success was recorded without it, whether a trip condition may hold: only a
    /// failure, a slow call or a running call past the threshold can make one hold (every ratio is above 0), so without
    /// any of them the judgement of rule 1 needs no lock.
    /// </summary>
    public bool MayTrip(long now)
        => _window.HasFailuresOrSlowCalls || (_inFlight is { } inFlight && (inFlight.SlowCount != 0 || inFlight.MayHaveReached(now)));

    /// <summary>Starts a new generation (a manual transition). Under the lock.</summary>
    public void SetGeneration(int generation) => _window.SetGeneration(generation);

    /// <summary>Returns the counts at <paramref name="now"/>, running calls past the threshold included.</summary>
    public WindowCounts GetCounts(long now)
    {
        _inFlight?.CountReached(now); // before the window's counts: see InFlightCalls.CountReached
        return WithInFlight(_window.GetCounts(now));
    }

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

    /// <summary>Like <see cref="Admit"/>, after passing the slots freed without the lock when the ring looks full. Under the lock.</summary>
    public long AdmitCompacting(long start, int probeGeneration)
    {
        var sequence = _inFlight!.Admit(start, probeGeneration);
        if (sequence < 0)
        {
            _inFlight.Compact();
            sequence = _inFlight.Admit(start, probeGeneration);
        }

        return sequence;
    }

    /// <summary>Returns, without a lock, whether a running call may have reached the threshold since the last judgement.</summary>
    public bool MayHaveHungCall(long now) => _inFlight!.MayHaveReached(now);

    /// <summary>Removes a finished call registered by <see cref="Admit"/>: from now on only its record counts. Under the lock.</summary>
    public void Release(long sequence) => _inFlight!.Release(sequence);

    /// <summary>
    /// Judges the running calls at <paramref name="now"/> (when <see cref="TracksInFlight"/>); returns whether any of them
    /// counts as slow (only then can a trip condition hold without a new record).
    /// </summary>
    public bool JudgeInFlight(long now)
    {
        _inFlight!.CountReached(now);
        _inFlight.MarkJudged();
        return _inFlight.SlowCount > 0;
    }

    /// <summary>Returns whether a half-open probe of generation <paramref name="episodeGeneration"/> or later is running past the threshold.</summary>
    public bool HasHungProbe(int episodeGeneration) => _inFlight is { } inFlight && inFlight.HungProbeGeneration >= episodeGeneration && inFlight.HungProbeGeneration != 0;

    private WindowCounts WithInFlight(WindowCounts counts)
    {
        if (_inFlight is null)
        {
            return counts;
        }

        var hung = _inFlight.SlowCount; // counted by the caller, before the window's counts were read
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
