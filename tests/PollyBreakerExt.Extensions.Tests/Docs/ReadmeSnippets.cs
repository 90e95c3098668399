using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Metrics;

namespace PollyBreakerExt.Extensions.Tests.Docs;

/// <summary>The service-side snippets of README.md, so that the front page keeps compiling; the behaviour is tested elsewhere.</summary>
internal static class ReadmeSnippets
{
    public static void HttpClient(WebApplicationBuilder builder)
    {
        // snippet: readme-http-client
        builder.Services.AddHttpClient("payments", client => client.BaseAddress = new Uri("https://payments.example"))
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.FailureThreshold = 3;
                options.CircuitBreaker.SlowCallDurationThreshold = TimeSpan.FromSeconds(2);
            });
        // end snippet
    }

    public static void Observability(WebApplicationBuilder builder)
    {
        // snippet: readme-observability
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddSlowCallCircuitBreakerInstrumentation()   // meters "Polly" and "PollyBreakerExt"
            .AddPrometheusExporter());
        builder.Services.AddHealthChecks().AddSlowCallCircuitBreakers();
        // end snippet
    }

    public static void MapMetricsAndHealth(WebApplication app)
    {
        // snippet: readme-map-metrics-health
        app.MapPrometheusScrapingEndpoint(); // GET /metrics, in Prometheus text
        app.MapHealthChecks("/health");
        // end snippet
    }
}
