namespace PollyBreakerExt;

/// <summary>
/// Arguments of the telemetry event <c>OnSlowCall</c>, reported (at Debug) for every recorded call that was slow.
/// </summary>
public readonly struct OnSlowCallArguments
{
    /// <summary>
    /// Initializes a new instance of the <see cref="OnSlowCallArguments"/> struct.
    /// </summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="duration">How long the call ran, from admission to completion.</param>
    /// <param name="threshold">The breaker's slow-call duration threshold.</param>
    /// <param name="breakerKey">The key of the breaker that recorded the call, in a keyed strategy; <see langword="null"/> otherwise.</param>
    public OnSlowCallArguments(string breakerName, TimeSpan duration, TimeSpan threshold, string? breakerKey = null)
    {
        BreakerKey = breakerKey;
        BreakerName = breakerName;
        Duration = duration;
        Threshold = threshold;
    }

    /// <summary>Gets the breaker's name.</summary>
    public string BreakerName { get; }

    /// <summary>Gets the key of the breaker that recorded the call, in a keyed strategy; <see langword="null"/> for an unkeyed breaker and for the shared default one.</summary>
    public string? BreakerKey { get; }

    /// <summary>Gets how long the call ran, from admission to completion, measured with the pipeline's time provider.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Gets the breaker's <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.SlowCallDurationThreshold"/>.</summary>
    public TimeSpan Threshold { get; }

    /// <summary>Returns the arguments as text, for logs.</summary>
    /// <returns>The breaker name and every value.</returns>
    public override string ToString() => $"{nameof(OnSlowCallArguments)} {{ BreakerName = {BreakerName}, Duration = {Duration}, Threshold = {Threshold}, BreakerKey = {BreakerKey} }}";
}
