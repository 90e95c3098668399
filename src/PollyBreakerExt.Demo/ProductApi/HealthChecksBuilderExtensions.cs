using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PollyBreakerExt.Demo.ProductApi;

public static class HealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the circuit-breaker health check. The one line to swap for the library's
    /// <c>AddSlowCallCircuitBreakers()</c> once issue 4 ships it.
    /// </summary>
    public static IHealthChecksBuilder AddDemoCircuitBreakers(this IHealthChecksBuilder builder)
        => builder.AddCheck<CircuitBreakersHealthCheck>("circuit-breakers", HealthStatus.Unhealthy, ["circuit-breakers"]);
}
