using Polly.Telemetry;
using PollyBreakerExt;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the slow-call circuit breaker's services in a dependency-injection container.
/// </summary>
public static class SlowCallCircuitBreakerServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="SlowCallCircuitBreakerRegistry"/> as a singleton, which lists every slow-call circuit breaker built
    /// through this container from then on.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The registry hears of breakers through Polly's telemetry (<see cref="TelemetryOptions.TelemetryListeners"/>), which
    /// <c>AddResiliencePipeline</c> and <c>AddResilienceHandler</c> apply to every pipeline they build. A pipeline that
    /// replaces its telemetry with <c>ConfigureTelemetry</c> is not listed. Calling this more than once is harmless.
    /// </remarks>
    public static IServiceCollection AddSlowCallCircuitBreakerRegistry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (services.Any(static descriptor => descriptor.ServiceType == typeof(SlowCallCircuitBreakerRegistry)))
        {
            return services;
        }

        services.AddSingleton(static _ => new SlowCallCircuitBreakerRegistry());
        services
            .AddOptions<TelemetryOptions>()
            .Configure<SlowCallCircuitBreakerRegistry>(static (options, registry) => options.TelemetryListeners.Add(registry.Listener));

        return services;
    }
}
