namespace PollyBreakerExt;

/// <summary>
/// The recorded calls a breaker judges. Not thread-safe: the controller calls it under its lock.
/// </summary>
internal interface ISlidingWindow
{
    /// <summary>Records a call that completed at <paramref name="timestamp"/> and returns the counts after it.</summary>
    WindowCounts Record(bool isFailure, bool isSlow, long timestamp);

    /// <summary>Returns the counts at <paramref name="timestamp"/>.</summary>
    WindowCounts GetCounts(long timestamp);

    /// <summary>Forgets every recorded call.</summary>
    void Clear();
}
