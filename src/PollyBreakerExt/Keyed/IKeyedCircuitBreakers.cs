using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// A keyed strategy's breakers as a <see cref="SlowCallCircuitBreakerStateProvider"/> reads them, whatever the result type.
/// </summary>
internal interface IKeyedCircuitBreakers
{
    /// <summary>Gets how many keys have a live breaker, the shared default one not counted.</summary>
    int Count { get; }

    /// <summary>Gets how many key breakers were built since the strategy was; read by tests (a key never has two at once).</summary>
    long Created { get; }

    /// <summary>Returns the live breaker of <paramref name="key"/> (the shared default one for <see langword="null"/>), or <see langword="null"/> when the key has none.</summary>
    SlowCallCircuitBreakerHandle? Find(string? key);

    /// <summary>Returns the state a call for <paramref name="key"/> meets now: its breaker's, or a fresh one's.</summary>
    CircuitState StateOf(string? key);
}
