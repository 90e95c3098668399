using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Arguments of the telemetry event <c>OnCircuitRejected</c>, reported (at Debug) for every call the breaker rejects.
/// </summary>
public readonly struct OnCircuitRejectedArguments
{
    /// <summary>
    /// Initializes a new instance of the <see cref="OnCircuitRejectedArguments"/> struct.
    /// </summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="state">The state that rejected the call.</param>
    /// <param name="retryAfter">The time left until a probe may pass; <see langword="null"/> when isolated.</param>
    /// <param name="isShadow">Whether the call ran anyway because the breaker is in shadow mode.</param>
    /// <param name="isRecoveryRamp">Whether a closed breaker rejected the call because it is ramping up after a recovery.</param>
    /// <param name="breakerKey">The key of the breaker that rejected the call, in a keyed strategy; <see langword="null"/> otherwise.</param>
    public OnCircuitRejectedArguments(string breakerName, CircuitState state, TimeSpan? retryAfter, bool isShadow, bool isRecoveryRamp = false, string? breakerKey = null)
    {
        BreakerKey = breakerKey;
        BreakerName = breakerName;
        State = state;
        RetryAfter = retryAfter;
        IsShadow = isShadow;
        IsRecoveryRamp = isRecoveryRamp;
    }

    /// <summary>Gets the breaker's name.</summary>
    public string BreakerName { get; }

    /// <summary>Gets the key of the breaker that rejected the call, in a keyed strategy; <see langword="null"/> for an unkeyed breaker and for the shared default one.</summary>
    public string? BreakerKey { get; }

    /// <summary>Gets the state that rejected the call: open, half-open with every probe running, isolated, or closed while ramping up after a recovery.</summary>
    public CircuitState State { get; }

    /// <summary>Gets the time left until a probe may pass, as the rejection's <see cref="BrokenCircuitException.RetryAfter"/>; <see langword="null"/> when isolated.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets whether this was a shadow rejection: the breaker would have rejected the call, but in shadow mode it ran, unrecorded.</summary>
    public bool IsShadow { get; }

    /// <summary>
    /// Gets whether a closed breaker rejected the call during its <c>RecoveryRampUp</c>: it admits only a rising share of
    /// calls for a while after closing from half-open.
    /// </summary>
    public bool IsRecoveryRamp { get; }

    /// <summary>Returns the arguments as text, for logs.</summary>
    /// <returns>The breaker name and every value.</returns>
    public override string ToString() => $"{nameof(OnCircuitRejectedArguments)} {{ BreakerName = {BreakerName}, State = {State}, RetryAfter = {RetryAfter}, IsShadow = {IsShadow}, IsRecoveryRamp = {IsRecoveryRamp}, BreakerKey = {BreakerKey} }}";
}
