namespace PollyBreakerExt;

/// <summary>
/// Arguments of the <c>OnSlowCall</c> telemetry event.
/// </summary>
internal readonly record struct SlowCallArguments(string BreakerName, TimeSpan Duration, TimeSpan Threshold);
