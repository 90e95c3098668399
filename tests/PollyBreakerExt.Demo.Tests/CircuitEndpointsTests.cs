using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Tests;

/// <summary>The demo's API maps the operator endpoints and dashboard at /circuits (loopback only, no authorization).</summary>
public sealed class CircuitEndpointsTests
{
    [Fact]
    public async Task The_product_breaker_is_listed_steered_and_shown_at_circuits()
    {
        var timings = new DemoTimings(speed: 4);
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamBehavior(timings), CancellationToken.None);
        await using var api = ProductApiApp.Build(url: null, upstream.Address, timings, new BreakerTransitionLog(), upstream.Behavior);
        await api.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(api) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("products/1")).StatusCode); // builds the breaker

        var breaker = Assert.Single(JsonDocument.Parse(await http.GetStringAsync("circuits")).RootElement.EnumerateArray());
        var key = breaker.GetProperty("key").GetString()!;
        using var isolate = new HttpRequestMessage(HttpMethod.Post, $"circuits/{Uri.EscapeDataString(key)}/isolate");
        isolate.Headers.Add("X-PollyBreakerExt", "1");
        using var isolated = await http.SendAsync(isolate);
        using var page = await http.GetAsync("circuits/ui");

        Assert.StartsWith(ProductApiApp.PipelineName + "/", key, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        Assert.Equal("Isolated", JsonDocument.Parse(await http.GetStringAsync("health/circuits")).RootElement.EnumerateObject().Single().Value.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        await api.StopAsync();
    }
}
