using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Polly.Registry;
using PollyBreakerExt.Extensions.Tests.Observability;

namespace PollyBreakerExt.Extensions.Tests.Docs;

/// <summary>docs/observability.md's OpenTelemetry set-up, run as a user would: a real Kestrel, a real scrape of <c>/metrics</c>.</summary>
[Collection(OpenTelemetrySdkGroup.Name)] // the SDK listens to meters by name: no other container may come and go meanwhile
public sealed class ObservabilitySnippetsTests
{
    [Fact]
    public async Task The_documented_opentelemetry_setup_serves_the_breaker_on_metrics()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddResiliencePipeline("docs-otel-orders", pipeline => pipeline
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { Name = "docs-otel-breaker" }));

        await using var app = ObservabilitySnippets.OpenTelemetry(builder);
        await app.StartAsync();
        var orders = app.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("docs-otel-orders");
        orders.Execute(static () => { });

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(app.Urls.Single()) };
        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("# TYPE resilience_circuit_breaker_state gauge", text, StringComparison.Ordinal);
        Assert.Matches(@"resilience_circuit_breaker_state\{[^}]*pipeline_name=""docs-otel-orders""[^}]*strategy_name=""docs-otel-breaker""[^}]*\} 0\b", text);
        Assert.Matches(@"resilience_circuit_breaker_window_calls\{[^}]*pipeline_name=""docs-otel-orders""[^}]*\} 1\b", text);
    }
}
