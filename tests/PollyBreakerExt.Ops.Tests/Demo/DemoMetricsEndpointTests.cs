using PollyBreakerExt.Demo.Upstream;
using PollyBreakerExt.Ops.Tests.Infrastructure;

namespace PollyBreakerExt.Ops.Tests.Demo;

/// <summary>The demo's <c>/metrics</c>: what Prometheus scrapes from <c>--serve</c>.</summary>
public sealed class DemoMetricsEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_product_API_serves_both_meters_in_Prometheus_text_format()
    {
        await using var demo = await DemoProductApi.StartAsync();
        demo.Phase = UpstreamPhase.Failing;
        await demo.DriveUntilAsync("Open", TimeSpan.FromSeconds(30));

        var text = await demo.ScrapeAsync();
        output.WriteLine(text);

        Assert.Contains("resilience_circuit_breaker_state{", text, StringComparison.Ordinal);
        Assert.Contains("resilience_polly_strategy_events_total{", text, StringComparison.Ordinal);
    }
}
