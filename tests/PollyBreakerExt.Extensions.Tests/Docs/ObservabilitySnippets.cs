using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;

namespace PollyBreakerExt.Extensions.Tests.Docs;

/// <summary>
/// The snippets of docs/observability.md, so that the documentation keeps compiling; the health ones also run in
/// <c>SlowCallCircuitBreakerHealthCheckTests</c>.
/// </summary>
internal static class ObservabilitySnippets
{
    public static void OpenTelemetry(IServiceCollection services)
    {
        // snippet: observability-opentelemetry
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddSlowCallCircuitBreakerInstrumentation()   // meters "Polly" and "PollyBreakerExt"
            .AddPrometheusOrOtlpExporterOfYourChoice());
        // end snippet
    }

    public static void HealthChecks(IServiceCollection services)
    {
        // snippet: observability-health-checks
        services.AddHealthChecks().AddSlowCallCircuitBreakers();
        // end snippet
    }

    public static void CriticalHealthChecks(IServiceCollection services)
    {
        // snippet: observability-health-critical
        services.AddHealthChecks()
            .AddSlowCallCircuitBreakers(criticalPipelines: ["payments-slowcall"], tags: ["ready"]);
        // end snippet
    }

    public static void HealthEndpoint(WebApplication app)
    {
        // snippet: observability-health-endpoint
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            // The default writer prints only the status; this one shows every check's data as JSON.
            ResponseWriter = (context, report) => context.Response.WriteAsJsonAsync(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(entry => entry.Key, entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description,
                    data = entry.Value.Data,
                }),
            }),
        });
        // end snippet
    }

    /// <summary>Stands for whichever exporter the application uses (OTLP, Prometheus, console...).</summary>
    private static MeterProviderBuilder AddPrometheusOrOtlpExporterOfYourChoice(this MeterProviderBuilder builder) => builder;
}
