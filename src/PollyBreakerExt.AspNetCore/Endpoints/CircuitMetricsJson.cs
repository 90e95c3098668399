namespace PollyBreakerExt;

/// <summary>A breaker's sliding window, as the endpoints show it.</summary>
internal sealed record CircuitMetricsJson(int Calls, int Failures, int SlowCalls, double FailureRatio, double SlowCallRatio)
{
    public static CircuitMetricsJson From(CircuitMetrics metrics)
        => new(metrics.Calls, metrics.Failures, metrics.SlowCalls, metrics.FailureRatio, metrics.SlowCallRatio);
}
