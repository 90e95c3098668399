using System.Net;
using Microsoft.AspNetCore.Builder;
using PollyBreakerExt.Demo;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>
/// The demo's product API and its upstream, as <c>--serve</c> runs them, on real Kestrel at free loopback ports, with a
/// real HttpClient to drive its one breaker (pipeline <c>product-service-slowcall</c>) through the upstream's phases.
/// </summary>
internal sealed class DemoProductApi : IAsyncDisposable
{
    /// <summary>The breaker's labels as Prometheus sees them.</summary>
    public const string PipelineName = ProductApiApp.PipelineName;

    public const string StrategyName = "SlowCall-CircuitBreaker";

    private readonly UpstreamServer _upstream;
    private readonly WebApplication _api;
    private int _round;

    private DemoProductApi(DemoTimings timings, UpstreamServer upstream, WebApplication api)
    {
        Timings = timings;
        _upstream = upstream;
        _api = api;
        Address = LoopbackWebApp.GetAddress(api);
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public DemoTimings Timings { get; }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public UpstreamPhase Phase
    {
        get => _upstream.Behavior.Phase;
        set => _upstream.Behavior.Phase = value;
    }

    public static async Task<DemoProductApi> StartAsync(double speed = 4)
    {
        var timings = new DemoTimings(speed);
        var upstream = await UpstreamServer.StartAsync(new UpstreamBehavior(timings), CancellationToken.None);
        var api = ProductApiApp.Build(url: null, upstream.Address, timings, new BreakerTransitionLog(), upstream.Behavior);
        await api.StartAsync();
        return new DemoProductApi(timings, upstream, api);
    }

    /// <summary>
    /// The breaker's state as <c>/health/circuits</c> reports it (as <c>GET /circuits</c> does): Closed, Open, HalfOpen or
    /// Isolated; Closed also before the first call has built it.
    /// </summary>
    public async Task<string> StateAsync()
    {
        using var response = await Http.GetAsync("health/circuits");
        response.EnsureSuccessStatusCode();
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.TryGetProperty($"{PipelineName}/{StrategyName}", out var breaker)
            ? breaker.GetProperty("state").GetString()!
            : "Closed";
    }

    /// <summary>Sends rounds of concurrent product requests until the breaker reports <paramref name="state"/>.</summary>
    public async Task DriveUntilAsync(string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await StateAsync() != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the demo's breaker did not become {state} within {timeout} (phase {Phase})");
            await DriveRoundAsync();
        }
    }

    /// <summary>One round of 20 concurrent requests for products rarely asked for (so they reach the breaker, not a cache).</summary>
    public async Task DriveRoundAsync()
    {
        var first = 100 + (_round++ % 10 * 20);
        await Task.WhenAll(Enumerable.Range(first, 20).Select(async id =>
        {
            using var response = await Http.GetAsync($"products/{id}");
            Assert.NotEqual(HttpStatusCode.NotFound, response.StatusCode);
        }));
    }

    public async Task<string> ScrapeAsync()
    {
        using var response = await Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _api.StopAsync();
        await _api.DisposeAsync();
        await _upstream.DisposeAsync();
    }
}
