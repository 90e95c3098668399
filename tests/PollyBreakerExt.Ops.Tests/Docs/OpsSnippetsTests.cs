using System.Net;
using Microsoft.AspNetCore.Builder;
using Polly;
using Polly.Registry;
using PollyBreakerExt.Demo;

namespace PollyBreakerExt.Ops.Tests.Docs;

/// <summary>The documented two lines, run: a service's breaker shows up on its <c>/metrics</c> under the names the rules use.</summary>
public sealed class OpsSnippetsTests
{
    [Fact]
    public async Task The_two_lines_serve_a_tripped_breaker_on_metrics()
    {
        await using var app = OpsSnippets.MetricsEndpoint(LoopbackWebApp.CreateBuilder(), services => services
            .AddResiliencePipeline("orders", pipeline => pipeline.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "orders-breaker",
                FailureThreshold = 1,
                BreakDuration = TimeSpan.FromMinutes(5),
            })));
        await app.StartAsync();
        var orders = app.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Assert.Throws<InvalidOperationException>(() => orders.Execute(() => throw new InvalidOperationException("upstream down")));

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(app) };
        using var response = await http.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(@"resilience_circuit_breaker_state\{[^}]*pipeline_name=""orders""[^}]*strategy_name=""orders-breaker""[^}]*\} 1\b", text);
        Assert.Matches(@"resilience_circuit_breaker_transitions_total\{[^}]*circuit_breaker_previous_state=""closed""[^}]*circuit_breaker_state=""open""[^}]*pipeline_name=""orders""[^}]*\} 1\b", text);
        Assert.Matches(@"resilience_polly_strategy_events_total\{[^}]*event_name=""OnCircuitOpened""[^}]*pipeline_name=""orders""[^}]*\} 1\b", text);
    }
}
