namespace PollyBreakerExt;

/// <summary>
/// A breaker's identity across the registry, the fleet and the operator endpoints: pipeline name, instance name and
/// strategy name joined by <c>/</c>, empty parts left out (DESIGN W1, "Breaker key"), and for a key's breaker of a keyed
/// strategy its key after them (<c>name/key</c>, DESIGN W10).
/// </summary>
internal static class CircuitBreakerKey
{
    public static string Of(string? pipelineName, string? pipelineInstanceName, string? strategyName, string? breakerKey = null)
    {
        var parts = new List<string>(4);
        Add(parts, pipelineName);
        Add(parts, pipelineInstanceName);
        Add(parts, strategyName);
        Add(parts, breakerKey);
        return string.Join('/', parts);
    }

    public static string Of(SlowCallCircuitBreakerSnapshot breaker)
        => Of(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName, breaker.BreakerKey);

    private static void Add(List<string> parts, string? part)
    {
        if (!string.IsNullOrEmpty(part))
        {
            parts.Add(part);
        }
    }
}
