using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// A state change waiting for its callbacks and telemetry to run.
/// </summary>
internal readonly record struct CircuitTransition<T>(
    ResilienceContext Context,
    CircuitState PreviousState,
    CircuitState NewState,
    CircuitTransitionReason Reason,
    TimeSpan? BreakDuration,
    Outcome<T> Outcome)
{
    public bool IsManual => Reason == CircuitTransitionReason.Manual;
}
