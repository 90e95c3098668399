namespace PollyBreakerExt;

/// <summary>
/// Arguments of the telemetry event <c>OnSlowCallCircuitBreakerCreated</c>, reported (at Debug) once when a breaker is built.
/// </summary>
/// <remarks>
/// Telemetry is how a breaker built inside a dependency-injection container reaches that container's registry, with the
/// pipeline, instance and strategy names Polly attaches to every event.
/// </remarks>
public readonly struct OnSlowCallCircuitBreakerCreatedArguments
{
    /// <summary>
    /// Initializes a new instance of the <see cref="OnSlowCallCircuitBreakerCreatedArguments"/> struct.
    /// </summary>
    /// <param name="breaker">The breaker that was built.</param>
    public OnSlowCallCircuitBreakerCreatedArguments(SlowCallCircuitBreakerHandle breaker) => Breaker = breaker;

    /// <summary>Gets the breaker that was built.</summary>
    public SlowCallCircuitBreakerHandle Breaker { get; }
}
