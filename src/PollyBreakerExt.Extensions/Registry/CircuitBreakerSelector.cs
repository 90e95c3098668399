namespace PollyBreakerExt;

/// <summary>
/// Which breakers an operator's isolate or close applies to: a pipeline name, and optionally an instance, a strategy name
/// and one key of a keyed strategy.
/// </summary>
internal readonly record struct CircuitBreakerSelector(string PipelineName, string? PipelineInstanceName, string? StrategyName, string? BreakerKey = null)
{
    public bool Matches(RegisteredCircuitBreaker breaker)
        => string.Equals(PipelineName, breaker.PipelineName, StringComparison.Ordinal)
            && (PipelineInstanceName is null || string.Equals(PipelineInstanceName, breaker.PipelineInstanceName, StringComparison.Ordinal))
            && (StrategyName is null || string.Equals(StrategyName, breaker.StrategyName, StringComparison.Ordinal))
            && (BreakerKey is null || string.Equals(BreakerKey, breaker.BreakerKey, StringComparison.Ordinal));

    /// <summary>Whether every breaker <paramref name="other"/> selects is also selected by this one.</summary>
    public bool Covers(CircuitBreakerSelector other)
        => string.Equals(PipelineName, other.PipelineName, StringComparison.Ordinal)
            && (PipelineInstanceName is null || string.Equals(PipelineInstanceName, other.PipelineInstanceName, StringComparison.Ordinal))
            && (StrategyName is null || string.Equals(StrategyName, other.StrategyName, StringComparison.Ordinal))
            && (BreakerKey is null || string.Equals(BreakerKey, other.BreakerKey, StringComparison.Ordinal));
}
