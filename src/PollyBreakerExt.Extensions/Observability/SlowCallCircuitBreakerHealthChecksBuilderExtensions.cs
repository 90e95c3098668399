using Microsoft.Extensions.Diagnostics.HealthChecks;
using PollyBreakerExt;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds a health check over every slow-call circuit breaker of the container.
/// </summary>
public static class SlowCallCircuitBreakerHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check reporting every breaker of the <see cref="SlowCallCircuitBreakerRegistry"/> (which this call
    /// registers): <see cref="HealthStatus.Healthy"/> when all are closed, <see cref="HealthStatus.Degraded"/> while any is
    /// open, half-open or isolated, and <paramref name="failureStatus"/> while a breaker of a critical pipeline is.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="criticalPipelines">
    /// The pipeline names (as <see cref="SlowCallCircuitBreakerSnapshot.PipelineName"/> shows them) whose breakers make the
    /// check fail rather than degrade: every instance and every slow-call breaker of such a pipeline is critical.
    /// </param>
    /// <param name="name">The health check's name.</param>
    /// <param name="failureStatus">The status while a critical breaker is not closed; <see langword="null"/> means <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter the check by, for example <c>"ready"</c>.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The result's <see cref="HealthReportEntry.Data"/> holds one <see cref="SlowCallCircuitBreakerSnapshot"/> per breaker,
    /// keyed <c>pipeline/strategy</c> or <c>pipeline[instance]/strategy</c>: its state, calls, failures, slow calls,
    /// ratios and retry-after, which a JSON response writer shows as they are. Pipelines are built on first use, so a
    /// breaker is reported once its pipeline has been asked for. An open circuit is expected to heal by itself: map the
    /// check to readiness rather than liveness, so that a restart does not throw away the breaker's state.
    /// </remarks>
    public static IHealthChecksBuilder AddSlowCallCircuitBreakers(
        this IHealthChecksBuilder builder,
        IEnumerable<string>? criticalPipelines = null,
        string name = "circuit-breakers",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);

        builder.Services.AddSlowCallCircuitBreakerRegistry();
        string[] critical = [.. criticalPipelines ?? []];
        return builder.Add(new HealthCheckRegistration(
            name,
            serviceProvider => new SlowCallCircuitBreakerHealthCheck(
                serviceProvider.GetRequiredService<SlowCallCircuitBreakerRegistry>(),
                critical,
                serviceProvider.GetServices<ICircuitBreakerFleetStatus>()),
            failureStatus,
            tags));
    }
}
