using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Metrics;

namespace PollyBreakerExt.Ops.Tests.Docs;

/// <summary>The snippets of docs/alerts-and-dashboards.md; <see cref="OpsSnippetsTests"/> runs them.</summary>
internal static class OpsSnippets
{
    /// <summary>A service's two lines for <c>/metrics</c>, around its own setup (<paramref name="configure"/>: its pipelines).</summary>
    public static WebApplication MetricsEndpoint(WebApplicationBuilder builder, Action<IServiceCollection> configure)
    {
        configure(builder.Services);

        // snippet: ops-prometheus-metrics-endpoint
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddSlowCallCircuitBreakerInstrumentation()   // meters "Polly" and "PollyBreakerExt"
            .AddPrometheusExporter());                    // package OpenTelemetry.Exporter.Prometheus.AspNetCore
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();              // GET /metrics
        // end snippet

        return app;
    }
}
