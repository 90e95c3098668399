namespace PollyBreakerExt;

/// <summary>
/// Isolates and closes slow-call circuit breakers by hand. One control may drive several breakers.
/// </summary>
/// <remarks>
/// An isolated circuit rejects every call with <see cref="Polly.CircuitBreaker.IsolatedCircuitException"/> until
/// <see cref="CloseAsync"/> closes it, which also clears its window.
/// </remarks>
public sealed class SlowCallCircuitBreakerManualControl
{
    private readonly Lock _lock = new();
    private readonly List<SlowCallCircuitBreakerHandle> _controllers = [];
    private bool _isolated;

    /// <summary>
    /// Initializes a new instance of the <see cref="SlowCallCircuitBreakerManualControl"/> class.
    /// </summary>
    public SlowCallCircuitBreakerManualControl()
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="SlowCallCircuitBreakerManualControl"/> class.
    /// </summary>
    /// <param name="isIsolated">Whether breakers built with this control start isolated.</param>
    public SlowCallCircuitBreakerManualControl(bool isIsolated) => _isolated = isIsolated;

    /// <summary>
    /// Isolates every breaker this control drives: they reject all calls until <see cref="CloseAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">The token passed to the callbacks' context.</param>
    /// <returns>A task that completes once every breaker is isolated and its callbacks have run.</returns>
    public Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        SlowCallCircuitBreakerHandle[] controllers;
        lock (_lock)
        {
            _isolated = true;
            controllers = [.. _controllers];
        }

        return Task.WhenAll(controllers.Select(controller => controller.IsolateAsync(cancellationToken)));
    }

    /// <summary>
    /// Closes every breaker this control drives and clears their windows.
    /// </summary>
    /// <param name="cancellationToken">The token passed to the callbacks' context.</param>
    /// <returns>A task that completes once every breaker is closed and its callbacks have run.</returns>
    public Task CloseAsync(CancellationToken cancellationToken = default)
    {
        SlowCallCircuitBreakerHandle[] controllers;
        lock (_lock)
        {
            _isolated = false;
            controllers = [.. _controllers];
        }

        return Task.WhenAll(controllers.Select(controller => controller.CloseAsync(cancellationToken)));
    }

    /// <summary>Adds a breaker; returns whether it must start isolated.</summary>
    internal bool Attach(SlowCallCircuitBreakerHandle controller)
    {
        lock (_lock)
        {
            _controllers.Add(controller);
            return _isolated;
        }
    }

    internal void Detach(SlowCallCircuitBreakerHandle controller)
    {
        lock (_lock)
        {
            _controllers.Remove(controller);
        }
    }
}
