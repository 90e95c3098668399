namespace PollyBreakerExt;

/// <summary>
/// One breaker the registry knows of: its names and a weak reference to it, so the registry never keeps it alive.
/// </summary>
internal sealed class RegisteredCircuitBreaker
{
    private readonly WeakReference<SlowCallCircuitBreakerHandle> _controller;
    private long _rejectedCalls;

    public RegisteredCircuitBreaker(string? pipelineName, string? pipelineInstanceName, string strategyName, SlowCallCircuitBreakerHandle controller)
    {
        PipelineName = pipelineName;
        PipelineInstanceName = pipelineInstanceName;
        StrategyName = strategyName;
        BreakerKey = controller.BreakerKey;
        Key = CircuitBreakerKey.Of(pipelineName, pipelineInstanceName, strategyName, BreakerKey);
        _controller = new(controller);
    }

    public string? PipelineName { get; }

    public string? PipelineInstanceName { get; }

    public string StrategyName { get; }

    /// <summary>Gets the key of a keyed strategy's breaker (<see cref="SlowCallCircuitBreakerHandle.BreakerKey"/>); null otherwise.</summary>
    public string? BreakerKey { get; }

    /// <summary>Gets its registry key (<see cref="CircuitBreakerKey"/>), kept: the history and the fleet read it on every transition.</summary>
    public string Key { get; }

    /// <summary>
    /// Gets or sets its key in the container's fleet once it joined it; null while it is in none, or in a fleet of its own
    /// options (which the container's fleet control does not steer).
    /// </summary>
    public string? FleetKey { get; set; }

    /// <summary>
    /// Gets how many calls this key's breaker rejected since it was listed; counted only for a key's breaker of a keyed
    /// strategy (<see cref="CircuitBreakerHistory"/> counts the others by their names).
    /// </summary>
    public long RejectedCalls => Volatile.Read(ref _rejectedCalls);

    public void CountRejection() => Interlocked.Increment(ref _rejectedCalls);

    /// <summary>Gets the breaker unless it was collected or its pipeline disposed it (a reload or the container's disposal).</summary>
    public bool TryGetController(out SlowCallCircuitBreakerHandle controller)
        => _controller.TryGetTarget(out controller!) && !controller.IsDisposed;

    public SlowCallCircuitBreakerSnapshot? TakeSnapshot()
        => TryGetController(out var controller)
            ? new(PipelineName, PipelineInstanceName, StrategyName, controller.CircuitState, controller.Metrics, controller.RetryAfter, FleetKey, BreakerKey)
            : null;
}
