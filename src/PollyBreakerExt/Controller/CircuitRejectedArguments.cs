using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Arguments of the <c>OnCircuitRejected</c> telemetry event.
/// </summary>
internal readonly record struct CircuitRejectedArguments(string BreakerName, CircuitState State, TimeSpan? RetryAfter);
