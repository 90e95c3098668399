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
    /// <summary>The documented set-up, after the application's own services (<paramref name="builder"/> has its pipelines).</summary>
    public static WebApplication OpenTelemetry(WebApplicationBuilder builder)
    {
        // snippet: observability-opentelemetry
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddSlowCallCircuitBreakerInstrumentation()   // meters "Polly" and "PollyBreakerExt"
            .AddPrometheusExporter());                    // or any other exporter, such as OTLP
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();              // GET /metrics, in Prometheus text
        // end snippet
        return app;
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
            // The default writer prints only the status; this one writes every check, each breaker as GET /circuits shows it.
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                return SlowCallCircuitBreakerHealthReportWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
            },
        });
        // end snippet
    }
}
