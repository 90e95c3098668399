using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    /// <para>
    /// The registry also publishes the breakers' metrics on the <c>PollyBreakerExt</c> meter (created through the
    /// container's <see cref="IMeterFactory"/>, timed with its <see cref="TimeProvider"/>) and logs every transition through
    /// its <see cref="ILoggerFactory"/>, under the category <c>PollyBreakerExt.SlowCallCircuitBreaker</c>.
    /// </para>
    /// <para>
    /// The registry hears of breakers through Polly's telemetry (<see cref="TelemetryOptions.TelemetryListeners"/>), which
    /// <c>AddResiliencePipeline</c> and <c>AddResilienceHandler</c> apply to every pipeline they build. A pipeline that
    /// replaces its telemetry with <c>ConfigureTelemetry</c> is not listed. Calling this more than once is harmless.
    /// </para>
    /// </remarks>
    public static IServiceCollection AddSlowCallCircuitBreakerRegistry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (services.Any(static descriptor => descriptor.ServiceType == typeof(SlowCallCircuitBreakerRegistry)))
        {
            return services;
        }

        services.AddMetrics();
        services.AddSingleton(static serviceProvider =>
        {
            var timeProvider = serviceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
            var registry = new SlowCallCircuitBreakerRegistry(serviceProvider.GetService<ICircuitBreakerFleet>(), timeProvider);

            // Both subscribe to the registry's events, which keep them alive as long as the registry.
            _ = new SlowCallCircuitBreakerMetrics(registry, serviceProvider.GetRequiredService<IMeterFactory>(), timeProvider);
            _ = new SlowCallCircuitBreakerTransitionLog(registry, serviceProvider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
            return registry;
        });
        services
            .AddOptions<TelemetryOptions>()
            .Configure<SlowCallCircuitBreakerRegistry>(static (options, registry) => options.TelemetryListeners.Add(registry.Listener));

        return services;
    }
}
