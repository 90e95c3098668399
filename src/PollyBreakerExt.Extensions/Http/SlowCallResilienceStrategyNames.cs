namespace PollyBreakerExt;

/// <summary>
/// The names of the strategies of the handler added by <c>AddSlowCallResilienceHandler</c>, as telemetry and the registry show them.
/// </summary>
internal static class SlowCallResilienceStrategyNames
{
    public const string HandlerIdentifier = "slowcall";

    public const string CircuitBreaker = "SlowCall-CircuitBreaker";

    public const string TotalRequestTimeout = "SlowCall-TotalRequestTimeout";

    public const string Retry = "SlowCall-Retry";

    public const string AttemptTimeout = "SlowCall-AttemptTimeout";
}
