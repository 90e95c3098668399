namespace PollyBreakerExt;

/// <summary>
/// The system clock, with timestamps from <see cref="Environment.TickCount64"/>: on Linux it reads
/// <c>CLOCK_MONOTONIC_COARSE</c> through the vDSO, a few nanoseconds where <see cref="TimeProvider.System"/>'s
/// <c>Stopwatch</c> costs about 27 ns on the machines this library was measured on, and the closed path reads the clock
/// twice per call (admission and completion).
/// </summary>
/// <remarks>
/// Its resolution is the kernel's tick, 1 to 4 ms: a call's measured duration, the window's ages and the break are exact
/// to that tick instead of to a nanosecond. It stands in for <see cref="TimeProvider.System"/> only (never for a fake
/// clock, which stays exact) and only on Linux, where the tick is that short, and only when slow-call detection is off or
/// its threshold is at least <see cref="MinimumSlowCallThreshold"/>, so a 4 ms error is at most 4 % of it. Wall-clock time
/// and timers are the system's own.
/// </remarks>
internal sealed class CoarseSystemTimeProvider : TimeProvider
{
    /// <summary>The shortest slow-call threshold measured with the coarse clock.</summary>
    public static readonly TimeSpan MinimumSlowCallThreshold = TimeSpan.FromMilliseconds(100);

    internal static readonly CoarseSystemTimeProvider Instance = new();

    private CoarseSystemTimeProvider()
    {
    }

    public override long TimestampFrequency => 1000;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    /// <summary>Gets the clock a breaker measures with: the coarse one where it may stand in for the pipeline's, else the pipeline's.</summary>
    public static TimeProvider For(TimeProvider pipelineClock, TimeSpan? slowCallThreshold)
        => ReferenceEquals(pipelineClock, System) && OperatingSystem.IsLinux() && !(slowCallThreshold < MinimumSlowCallThreshold)
            ? Instance
            : pipelineClock;

    public override long GetTimestamp() => Environment.TickCount64;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => System.CreateTimer(callback, state, dueTime, period);
}
