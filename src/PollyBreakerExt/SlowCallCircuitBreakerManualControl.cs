namespace PollyBreakerExt;

/// <summary>
/// Isolates and closes slow-call circuit breakers by hand. One control may drive several breakers.
/// </summary>
/// <remarks>
/// With a <c>KeySelector</c>, the control drives every key of the strategy: <see cref="IsolateAsync"/> isolates the
/// breakers of every live key and the shared default one, and breakers built for new keys while it is isolated start
/// isolated; <see cref="CloseAsync"/> closes them all.
/// 
/// An isolated circuit rejects every call with <see cref="Polly.CircuitBreaker.IsolatedCircuitException"/> until
/// <see cref="CloseAsync"/> closes it, which also clears its window.
/// </remarks>
public sealed class SlowCallCircuitBreakerManualControl
{
    private readonly Lock _lock = new();
    private readonly List<IManualControlTarget> _controllers = [];
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
    /// <param name="cancellationToken">Cancels before anything changes (the task is then cancelled); also passed to the callbacks' context.</param>
    /// <returns>A task that completes once every breaker is isolated and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        IManualControlTarget[] controllers;
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
    /// <param name="cancellationToken">Cancels before anything changes (the task is then cancelled); also passed to the callbacks' context.</param>
    /// <returns>A task that completes once every breaker is closed and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        IManualControlTarget[] controllers;
        lock (_lock)
        {
            _isolated = false;
            controllers = [.. _controllers];
        }

        return Task.WhenAll(controllers.Select(controller => controller.CloseAsync(cancellationToken)));
    }

    /// <summary>Gets whether the control is isolated now: breakers built from now on start isolated.</summary>
    internal bool IsIsolated
    {
        get
        {
            lock (_lock)
            {
                return _isolated;
            }
        }
    }

    /// <summary>Adds a breaker, or a keyed strategy's set of breakers; returns whether it must start isolated.</summary>
    internal bool Attach(IManualControlTarget controller)
    {
        lock (_lock)
        {
            _controllers.Add(controller);
            return _isolated;
        }
    }

    internal void Detach(IManualControlTarget controller)
    {
        lock (_lock)
        {
            _controllers.Remove(controller);
        }
    }
}
