namespace PollyBreakerExt;

/// <summary>
/// The recorded calls a breaker judges. Not thread-safe: the controller calls it under its lock, except the members that say otherwise.
/// </summary>
internal interface ISlidingWindow
{
    /// <summary>Records a call that completed at <paramref name="timestamp"/> and returns the counts after it.</summary>
    WindowCounts Record(bool isFailure, bool isSlow, long timestamp);

    /// <summary>Returns the counts at <paramref name="timestamp"/>.</summary>
    WindowCounts GetCounts(long timestamp);

    /// <summary>Forgets every recorded call.</summary>
    void Clear();

    /// <summary>Gets whether the window holds a failure or a slow call (without them, no success can trip it); read without the lock.</summary>
    bool HasFailuresOrSlowCalls { get; }

    /// <summary>
    /// Records a success of a call of <paramref name="generation"/> without the lock, if the window can; returns
    /// <see langword="false"/>, recording nothing, when it must be recorded under the lock.
    /// </summary>
    bool TryRecordSuccess(long timestamp, int generation);

    /// <summary>Starts a new generation of the breaker (a manual transition). Under the lock.</summary>
    void SetGeneration(int generation);
}
