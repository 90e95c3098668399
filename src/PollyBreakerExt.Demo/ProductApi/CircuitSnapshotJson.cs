using Polly.CircuitBreaker;

namespace PollyBreakerExt.Demo.ProductApi;

/// <summary>How the demo shows one breaker in <c>/health/circuits</c> and <c>/health</c>: the reference breaker's example fields and the metrics.</summary>
public static class CircuitSnapshotJson
{
    /// <summary>Gets a breaker's display name: pipeline, instance when there is one, and strategy.</summary>
    public static string Name(SlowCallCircuitBreakerSnapshot breaker)
        => $"{breaker.PipelineName}{(breaker.PipelineInstanceName is null ? null : $"[{breaker.PipelineInstanceName}]")}/{breaker.StrategyName}";

    /// <summary>Gets the reference breaker's state names: closed, open, half_open, plus isolated.</summary>
    public static string State(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Isolated => "isolated",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static Dictionary<string, object?> Describe(SlowCallCircuitBreakerSnapshot breaker) => new()
    {
        ["state"] = State(breaker.State),
        ["failure_count"] = breaker.Metrics.Failures,
        ["slow_call_count"] = breaker.Metrics.SlowCalls,
        ["calls_in_window"] = breaker.Metrics.Calls,
        ["failure_ratio"] = Math.Round(breaker.Metrics.FailureRatio, 3),
        ["slow_call_ratio"] = Math.Round(breaker.Metrics.SlowCallRatio, 3),
        ["retry_after_seconds"] = breaker.RetryAfter is { } retryAfter ? Math.Round(retryAfter.TotalSeconds, 3) : null,
        ["pipeline"] = breaker.PipelineName,
        ["instance"] = breaker.PipelineInstanceName,
        ["strategy"] = breaker.StrategyName,
    };
}
