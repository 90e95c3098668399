namespace PollyBreakerExt;

/// <summary>
/// Names used in telemetry and defaults.
/// </summary>
internal static class SlowCallCircuitBreakerConstants
{
    public const string DefaultName = "SlowCallCircuitBreaker";

    // Polly's own event names, so dashboards built on Polly's breaker keep working.
    public const string OnCircuitOpened = "OnCircuitOpened";

    public const string OnCircuitClosed = "OnCircuitClosed";

    public const string OnCircuitHalfOpened = "OnCircuitHalfOpened";

    public const string OnCircuitRejected = "OnCircuitRejected";

    public const string OnSlowCall = "OnSlowCall";

    public const string OnCircuitCallbackFailed = "OnCircuitCallbackFailed";

    public const string OnBreakDurationGeneratorFailed = "OnBreakDurationGeneratorFailed";

    public const string OnSlowCallCircuitBreakerCreated = "OnSlowCallCircuitBreakerCreated";
}
