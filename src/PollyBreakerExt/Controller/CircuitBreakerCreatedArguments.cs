namespace PollyBreakerExt;

/// <summary>
/// Arguments of the <c>OnSlowCallCircuitBreakerCreated</c> telemetry event, reported once when a breaker is built.
/// </summary>
/// <remarks>
/// Telemetry is how a breaker built inside a dependency-injection container reaches that container's registry, with
/// the pipeline, instance and strategy names Polly attaches to every event.
/// </remarks>
internal readonly record struct CircuitBreakerCreatedArguments(ICircuitController Controller);
