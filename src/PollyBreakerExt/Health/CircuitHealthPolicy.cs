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

    /// <param name="window">The window of recorded calls.</param>
    /// <param name="minimumThroughput">Calls the window must hold before a ratio is judged.</param>
    /// <param name="failureRatio">The failure ratio that trips, or <see langword="null"/>.</param>
    /// <param name="slowCallThreshold">The slow-call duration threshold in timestamp units (at least 1), or 0 when slow-call detection is off.</param>
    /// <param name="slowCallRatio">The slow-call ratio that trips.</param>
    public CircuitHealthPolicy(ISlidingWindow window, int minimumThroughput, double? failureRatio, long slowCallThreshold, double slowCallRatio)
    {
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

    /// <summary>Records a completed call and returns the counts after it.</summary>
    public WindowCounts Record(bool isFailure, bool isSlow, long now) => _window.Record(isFailure, isSlow, now);

    /// <summary>Returns the counts at <paramref name="now"/>.</summary>
    public WindowCounts GetCounts(long now) => _window.GetCounts(now);

    /// <summary>Forgets every recorded call.</summary>
    public void Clear() => _window.Clear();

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
