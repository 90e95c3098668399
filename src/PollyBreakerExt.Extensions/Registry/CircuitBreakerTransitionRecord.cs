using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>One transition of a breaker as its history keeps it: when, from which state to which, and why.</summary>
internal readonly record struct CircuitBreakerTransitionRecord(
    DateTimeOffset At,
    CircuitState From,
    CircuitState To,
    CircuitTransitionReason Reason);
