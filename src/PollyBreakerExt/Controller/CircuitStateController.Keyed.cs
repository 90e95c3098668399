using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// What a keyed strategy needs to know before it forgets this breaker (DESIGN W10).
/// </summary>
internal sealed partial class CircuitStateController<T>
{
    /// <summary>Reads the breaker's clock (its strategy's, as the keyed set's).</summary>
    public long GetTimestamp() => _timeProvider.GetTimestamp();

    /// <summary>
    /// Gets whether a keyed strategy may forget this breaker: a fresh one for its key would behave the same. That holds
    /// when it is closed and not ramping up, or isolated while its strategy's manual control is (a fresh one starts
    /// isolated). Read without the lock: a breaker that moves just after is at worst forgotten closed, as its key's other
    /// calls could not tell apart from a close.
    /// </summary>
    public bool IsForgettable(long now, bool isolatedByControl)
        => _state switch
        {
            CircuitState.Closed => !_ramping || now >= Volatile.Read(ref _rampUntil),
            CircuitState.Isolated => isolatedByControl,
            _ => false,
        };
}
