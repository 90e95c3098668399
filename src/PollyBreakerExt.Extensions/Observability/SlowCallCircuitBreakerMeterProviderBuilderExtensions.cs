using Microsoft.Extensions.DependencyInjection;
using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace OpenTelemetry.Metrics;

/// <summary>
/// Adds the slow-call circuit breaker's metrics to an OpenTelemetry meter provider.
/// </summary>
public static class SlowCallCircuitBreakerMeterProviderBuilderExtensions
{
    /// <summary>
    /// Subscribes to Polly's meter (<c>Polly</c>: <c>resilience.polly.strategy.events</c>, which counts the breakers'
    /// events) and to this library's (<c>PollyBreakerExt</c>: each breaker's state, ratios, window, transitions,
    /// rejected calls and time away from closed), and registers the <c>SlowCallCircuitBreakerRegistry</c> the latter reads.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Breakers built through the container are measured: pipelines added with <c>AddResiliencePipeline</c> and
    /// HttpClient handlers added with <c>AddResilienceHandler</c> or <c>AddSlowCallResilienceHandler</c>. Call it where the
    /// builder shares the application's services, as <c>services.AddOpenTelemetry().WithMetrics(...)</c> does.
    /// </remarks>
    public static MeterProviderBuilder AddSlowCallCircuitBreakerInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.ConfigureServices(static services => services.AddSlowCallCircuitBreakerRegistry());
        return builder.AddMeter(PollyMeterName, MeterName);
    }
}
