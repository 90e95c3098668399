namespace PollyBreakerExt;

/// <summary>
/// One breaker the registry knows of: its names and a weak reference to it, so the registry never keeps it alive.
/// </summary>
internal sealed class RegisteredCircuitBreaker
{
    private readonly WeakReference<SlowCallCircuitBreakerHandle> _controller;

    public RegisteredCircuitBreaker(string? pipelineName, string? pipelineInstanceName, string strategyName, SlowCallCircuitBreakerHandle controller)
    {
        PipelineName = pipelineName;
        PipelineInstanceName = pipelineInstanceName;
        StrategyName = strategyName;
        _controller = new(controller);
    }

    public string? PipelineName { get; }

    public string? PipelineInstanceName { get; }

    public string StrategyName { get; }

    /// <summary>Gets the breaker unless it was collected or its pipeline disposed it (a reload or the container's disposal).</summary>
    public bool TryGetController(out SlowCallCircuitBreakerHandle controller)
        => _controller.TryGetTarget(out controller!) && !controller.IsDisposed;

    public SlowCallCircuitBreakerSnapshot? TakeSnapshot()
        => TryGetController(out var controller)
            ? new(PipelineName, PipelineInstanceName, StrategyName, controller.CircuitState, controller.Metrics, controller.RetryAfter)
            : null;
}
