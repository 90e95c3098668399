namespace PollyBreakerExt;

/// <summary>
/// Options of the slow-call circuit breaker for non-generic pipelines.
/// </summary>
public class SlowCallCircuitBreakerStrategyOptions : SlowCallCircuitBreakerStrategyOptions<object>
{
}
