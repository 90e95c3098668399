using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Reads the state and live metrics of one slow-call circuit breaker.
/// </summary>
/// <remarks>
/// Assign it to <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.StateProvider"/>. Before the breaker is built it
/// reads <see cref="CircuitState.Closed"/> with empty metrics.
/// </remarks>
public sealed class SlowCallCircuitBreakerStateProvider
{
    private SlowCallCircuitBreakerHandle? _controller;

    /// <summary>
    /// Initializes a new instance of the <see cref="SlowCallCircuitBreakerStateProvider"/> class.
    /// </summary>
    public SlowCallCircuitBreakerStateProvider()
    {
    }

    /// <summary>Gets the breaker's state.</summary>
    public CircuitState CircuitState => Volatile.Read(ref _controller)?.CircuitState ?? CircuitState.Closed;

    /// <summary>Gets what the breaker's sliding window holds now.</summary>
    public CircuitMetrics Metrics => Volatile.Read(ref _controller)?.Metrics ?? default;

    internal void Attach(SlowCallCircuitBreakerHandle controller)
    {
        if (Interlocked.CompareExchange(ref _controller, controller, null) is { } attached && !attached.IsDisposed)
        {
            throw new InvalidOperationException(
                $"This {nameof(SlowCallCircuitBreakerStateProvider)} already serves the circuit breaker '{attached.Name}'; give each breaker its own.");
        }

        // A provider whose breaker was disposed (its pipeline reloaded) moves to the new one.
        Volatile.Write(ref _controller, controller);
    }
}
