namespace PollyBreakerExt;

/// <summary>
/// Durations as <see cref="TimeProvider"/> timestamps, saturating instead of overflowing.
/// </summary>
internal static class Timestamps
{
    /// <summary>Converts <paramref name="duration"/> to timestamp units, rounded up so "at least this long" never fires early.</summary>
    public static long FromDuration(TimeSpan duration, TimeProvider timeProvider)
    {
        var timestamp = ((Int128)duration.Ticks * timeProvider.TimestampFrequency + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        return timestamp > long.MaxValue ? long.MaxValue : (long)timestamp;
    }

    public static long AddSaturating(long timestamp, long duration)
        => duration > long.MaxValue - timestamp ? long.MaxValue : timestamp + duration;
}
