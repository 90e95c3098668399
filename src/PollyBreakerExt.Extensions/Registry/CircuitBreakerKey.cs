namespace PollyBreakerExt;

/// <summary>
/// A breaker's identity across the registry, the fleet and the operator endpoints: pipeline name, instance name and
/// strategy name joined by <c>/</c>, empty parts left out (DESIGN W1, "Breaker key").
/// </summary>
internal static class CircuitBreakerKey
{
    public static string Of(string? pipelineName, string? pipelineInstanceName, string? strategyName)
    {
        var parts = new List<string>(3);
        Add(parts, pipelineName);
        Add(parts, pipelineInstanceName);
        Add(parts, strategyName);
        return string.Join('/', parts);
    }

    public static string Of(SlowCallCircuitBreakerSnapshot breaker)
        => Of(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName);

    public static string Of(RegisteredCircuitBreaker breaker)
        => Of(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName);

    private static void Add(List<string> parts, string? part)
    {
        if (!string.IsNullOrEmpty(part))
        {
            parts.Add(part);
        }
    }
}
