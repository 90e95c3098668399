using Polly.CircuitBreaker;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>
/// One state change of the breaker, <see cref="At"/> after the scenario started; <see cref="Metrics"/> is what the window
/// held just after a transition from closed (it explains the trip), null otherwise.
/// </summary>
public sealed record BreakerTransition(
    TimeSpan At,
    CircuitState From,
    CircuitState To,
    CircuitTransitionReason Reason,
    TimeSpan? BreakDuration,
    CircuitMetrics? Metrics);
