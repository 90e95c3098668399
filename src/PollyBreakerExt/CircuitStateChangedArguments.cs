using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Arguments of <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.OnStateChanged"/>, raised on every transition.
/// </summary>
public readonly struct CircuitStateChangedArguments
{
    /// <summary>
    /// Initializes a new instance of the <see cref="CircuitStateChangedArguments"/> struct.
    /// </summary>
    /// <param name="context">The context of the call (or manual operation) that caused the transition.</param>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="previousState">The state before the transition.</param>
    /// <param name="newState">The state after the transition.</param>
    /// <param name="reason">Why the transition happened.</param>
    /// <param name="breakDuration">How long the circuit stays open; set only when <paramref name="newState"/> is <see cref="CircuitState.Open"/>.</param>
    /// <param name="breakerKey">The key of the breaker that moved, in a keyed strategy; <see langword="null"/> otherwise.</param>
    public CircuitStateChangedArguments(
        ResilienceContext context,
        string breakerName,
        CircuitState previousState,
        CircuitState newState,
        CircuitTransitionReason reason,
        TimeSpan? breakDuration,
        string? breakerKey = null)
    {
        BreakerKey = breakerKey;
        Context = context;
        BreakerName = breakerName;
        PreviousState = previousState;
        NewState = newState;
        Reason = reason;
        BreakDuration = breakDuration;
    }

    /// <summary>Gets the context of the call (or manual operation) that caused the transition.</summary>
    public ResilienceContext Context { get; }

    /// <summary>Gets the breaker's name: the options' <see cref="ResilienceStrategyOptions.Name"/>.</summary>
    public string BreakerName { get; }

    /// <summary>
    /// Gets the key of the breaker that moved, when the options have a <c>KeySelector</c>: what it returned for the calls
    /// this breaker serves. <see langword="null"/> for an unkeyed breaker and for a keyed strategy's shared default breaker.
    /// </summary>
    public string? BreakerKey { get; }

    /// <summary>Gets the state before the transition.</summary>
    public CircuitState PreviousState { get; }

    /// <summary>Gets the state after the transition.</summary>
    public CircuitState NewState { get; }

    /// <summary>Gets why the transition happened.</summary>
    public CircuitTransitionReason Reason { get; }

    /// <summary>Gets how long the circuit stays open; set only when <see cref="NewState"/> is <see cref="CircuitState.Open"/>.</summary>
    public TimeSpan? BreakDuration { get; }
}
