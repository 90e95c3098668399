namespace PollyBreakerExt.Demo;

/// <summary>
/// Every duration of the demo, at speed 1, and scaled by the speed: the breaker, the retry, the upstream's latencies and the
/// clients' pacing all shrink together, so a faster run tells the same story.
/// </summary>
public sealed class DemoTimings
{
    public DemoTimings(double speed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(speed);
        Speed = speed;
    }

    public double Speed { get; }

    /// <summary>A call this long or longer is slow for the breaker.</summary>
    public TimeSpan SlowCallThreshold => Scale(400);

    /// <summary>The breaker's time-based window.</summary>
    public TimeSpan SamplingDuration => Scale(2_000);

    public TimeSpan BreakDuration => Scale(3_000);

    /// <summary>After the breaker closes from half-open, the admitted share of calls rises to 100 % over this long.</summary>
    public TimeSpan RecoveryRampUp => Scale(6_000);

    public TimeSpan RetryDelay => Scale(100);

    /// <summary>Longer than the slow phase's latency: a slow upstream answers late, it does not time out.</summary>
    public TimeSpan AttemptTimeout => Scale(2_500);

    public TimeSpan TotalRequestTimeout => Scale(8_000);

    public TimeSpan HealthyLatencyMin => Scale(20);

    public TimeSpan HealthyLatencyMax => Scale(60);

    /// <summary>Well above <see cref="SlowCallThreshold"/>.</summary>
    public TimeSpan SlowLatencyMin => Scale(1_000);

    public TimeSpan SlowLatencyMax => Scale(1_400);

    /// <summary>
    /// The first answers of a recovered upstream (caches cold, pools refilling): slower than healthy, still below
    /// <see cref="SlowCallThreshold"/>, so the half-open probes take long enough for calls to queue behind them.
    /// </summary>
    public TimeSpan ColdLatencyMin => Scale(150);

    public TimeSpan ColdLatencyMax => Scale(300);

    public TimeSpan FailingLatencyMin => Scale(10);

    public TimeSpan FailingLatencyMax => Scale(40);

    /// <summary>A client's pause between two requests.</summary>
    public TimeSpan ClientThinkTime => Scale(150);

    /// <summary>How often the timeline samples the breaker.</summary>
    public TimeSpan SampleInterval => Scale(250);

    public TimeSpan Scale(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds / Speed);

    public TimeSpan Scale(TimeSpan duration) => duration / Speed;
}
