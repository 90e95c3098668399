namespace PollyBreakerExt;

/// <summary>
/// What a sliding window holds at one moment.
/// </summary>
/// <param name="Calls">Recorded calls.</param>
/// <param name="Failures">Failed calls.</param>
/// <param name="SlowCalls">Slow calls.</param>
/// <param name="FailureThresholdReached">Whether the failures reach the failure threshold, counted exactly.</param>
internal readonly record struct WindowCounts(int Calls, int Failures, int SlowCalls, bool FailureThresholdReached)
{
    public double FailureRatio => Calls == 0 ? 0 : (double)Failures / Calls;

    public double SlowCallRatio => Calls == 0 ? 0 : (double)SlowCalls / Calls;

    public CircuitMetrics ToMetrics() => new(Calls, Failures, SlowCalls, FailureRatio, SlowCallRatio);
}
