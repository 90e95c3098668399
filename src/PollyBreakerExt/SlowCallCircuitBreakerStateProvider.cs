using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Reads the state and live metrics of one slow-call circuit breaker.
/// </summary>
/// <remarks>
/// Assign it to <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.StateProvider"/>. Before the breaker is built it
/// reads <see cref="CircuitState.Closed"/> with empty metrics. With a <c>KeySelector</c>, <see cref="CircuitState"/> and
/// <see cref="Metrics"/> read the shared default breaker (the one of calls whose key is <see langword="null"/>), and
/// <see cref="GetCircuitState"/> and <see cref="GetMetrics"/> read one key's.
/// </remarks>
public sealed class SlowCallCircuitBreakerStateProvider
{
    private SlowCallCircuitBreakerHandle? _controller;
    private IKeyedCircuitBreakers? _keys;

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

    /// <summary>
    /// Gets how many keys have a breaker of their own now, with a <c>KeySelector</c>; 0 without one. The shared default
    /// breaker is not counted.
    /// </summary>
    public int KeyCount => Volatile.Read(ref _keys)?.Count ?? 0;

    /// <summary>Gets the breakers of a keyed strategy; read by tests.</summary>
    internal IKeyedCircuitBreakers? Keys => Volatile.Read(ref _keys);

    /// <summary>
    /// Returns the state a call for <paramref name="key"/> meets now, with a <c>KeySelector</c>: its breaker's, or, for a key
    /// without a live breaker, a fresh breaker's (closed, or isolated while the manual control is). A <see langword="null"/>
    /// key, and any key without a <c>KeySelector</c>, reads <see cref="CircuitState"/>.
    /// </summary>
    /// <param name="key">The key, as the <c>KeySelector</c> returns it.</param>
    /// <returns>The key's state.</returns>
    public CircuitState GetCircuitState(string? key)
        => key is not null && Volatile.Read(ref _keys) is { } keys ? keys.StateOf(key) : CircuitState;

    /// <summary>
    /// Returns what the sliding window of <paramref name="key"/>'s breaker holds now, with a <c>KeySelector</c>; empty for a
    /// key without a live breaker. A <see langword="null"/> key, and any key without a <c>KeySelector</c>, reads <see cref="Metrics"/>.
    /// </summary>
    /// <param name="key">The key, as the <c>KeySelector</c> returns it.</param>
    /// <returns>The key's metrics.</returns>
    public CircuitMetrics GetMetrics(string? key)
        => key is not null && Volatile.Read(ref _keys) is { } keys ? keys.Find(key)?.Metrics ?? default : Metrics;

    internal void AttachKeys(IKeyedCircuitBreakers keys) => Volatile.Write(ref _keys, keys);

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
