using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>One transition of a breaker as its history keeps it: when, from which state to which, and why.</summary>
/// <param name="At">When it happened, on the registry's clock.</param>
/// <param name="From">The state it left.</param>
/// <param name="To">The state it entered.</param>
/// <param name="Reason">Why.</param>
public readonly record struct CircuitBreakerTransitionRecord(
    DateTimeOffset At,
    CircuitState From,
    CircuitState To,
    CircuitTransitionReason Reason);
