using Microsoft.AspNetCore.Builder;
using System.Net;
using System.Text.Json;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Tests;

/// <summary>The ported product API over real HTTP: the cache fallback, 503, /health/circuits and /health as the breaker moves.</summary>
public sealed class ProductApiTests : IAsyncLifetime, IDisposable
{
    private readonly DemoTimings _timings = new(speed: 4);
    private UpstreamServer? _upstream;
    private WebApplication? _api;
    private HttpClient? _http;

    private UpstreamBehavior Upstream => _upstream!.Behavior;

    private HttpClient Http => _http!;

    public async Task InitializeAsync()
    {
        _upstream = await UpstreamServer.StartAsync(new UpstreamBehavior(_timings), CancellationToken.None);
        _api = ProductApiApp.Build(url: null, _upstream.Address, _timings, new BreakerTransitionLog(), _upstream.Behavior);
        await _api.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(_api), Timeout = TimeSpan.FromSeconds(30) };
    }

    public void Dispose() => _http?.Dispose();

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.StopAsync();
            await _api.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_open_breaker_is_answered_from_cache_or_with_503_and_shows_in_the_health_endpoints()
    {
        // Healthy: the product comes from the upstream and is cached.
        var fresh = await GetJsonAsync("products/1", HttpStatusCode.OK);
        Assert.Equal(1, fresh.GetProperty("id").GetInt32());
        Assert.False(fresh.TryGetProperty("_source", out _));
        Assert.Equal("Closed", (await GetJsonAsync("health/circuits", HttpStatusCode.OK)).GetProperty(BreakerName).GetProperty("state").GetString());
        Assert.Equal("Healthy", (await GetJsonAsync("health", HttpStatusCode.OK)).GetProperty("status").GetString());

        // Failing: concurrent calls for uncached products fail until the breaker opens and answers 503 at once.
        Upstream.Phase = UpstreamPhase.Failing;
        await CallUntilAsync(() => Enumerable.Range(100, 20).Select(id => $"products/{id}"), HttpStatusCode.ServiceUnavailable);

        var cached = await GetJsonAsync("products/1", HttpStatusCode.OK);
        Assert.Equal(1, cached.GetProperty("id").GetInt32());
        Assert.Equal("cache", cached.GetProperty("_source").GetString());
        Assert.Equal("open", cached.GetProperty("_circuit").GetString());

        using (var unavailable = await Http.GetAsync("products/777"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.NotNull(unavailable.Headers.RetryAfter);
            var body = JsonDocument.Parse(await unavailable.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("open", body.GetProperty("_circuit").GetString());
        }

        var circuit = (await GetJsonAsync("health/circuits", HttpStatusCode.OK)).GetProperty(BreakerName);
        Assert.Equal("Open", circuit.GetProperty("state").GetString());
        Assert.True(circuit.GetProperty("metrics").GetProperty("failures").GetInt32() >= 1);
        Assert.True(circuit.GetProperty("retryAfterMs").GetInt64() > 0);
        var health = await GetJsonAsync("health", HttpStatusCode.OK); // Degraded still answers 200
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        Assert.Equal("Open", health.GetProperty("checks").GetProperty("circuit-breakers").GetProperty("data").GetProperty(BreakerName).GetProperty("state").GetString());

        // Recovered, through the serve mode's switch: after the break, fast probes close the breaker.
        using (var switched = await Http.PutAsync("upstream/phase/recovered", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        }

        Assert.Equal(UpstreamPhase.Recovered, Upstream.Phase);
        await CallUntilAsync(() => ["products/1"], HttpStatusCode.OK, body => !body.Contains("\"_source\"", StringComparison.Ordinal));
        await CallUntilAsync(() => ["products/2"], HttpStatusCode.OK, body => !body.Contains("\"_source\"", StringComparison.Ordinal));
        var closed = await PollAsync(async () =>
        {
            // Keep traffic flowing: a probe made slow by a loaded machine reopens the breaker, and only calls probe it again.
            using (await Http.GetAsync("products/3"))
            {
            }

            return (await GetJsonAsync("health/circuits", HttpStatusCode.OK)).GetProperty(BreakerName).GetProperty("state").GetString() == "Closed";
        });
        Assert.True(closed, "the breaker should close after the upstream recovered");
        Assert.Equal("Healthy", (await GetJsonAsync("health", HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_phase_switch_refuses_unknown_phases()
    {
        using var response = await Http.PutAsync("upstream/phase/broken", content: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(UpstreamPhase.Healthy, Upstream.Phase);
    }

    private const string BreakerName = $"{ProductApiApp.PipelineName}/SlowCall-CircuitBreaker";

    private async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Sends the requests (concurrently) round after round until one answers <paramref name="status"/>.</summary>
    private async Task CallUntilAsync(Func<IEnumerable<string>> paths, HttpStatusCode status, Func<string, bool>? body = null)
    {
        var seen = new List<string>();
        for (var round = 0; round < 100; round++)
        {
            var answers = await Task.WhenAll(paths().Select(async path =>
            {
                using var response = await Http.GetAsync(path);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }));

            if (answers.Any(answer => answer.StatusCode == status && (body is null || body(answer.Body))))
            {
                return;
            }

            seen.Add(string.Join(",", answers.Select(answer => (int)answer.StatusCode).Distinct()));
            await Task.Delay(_timings.Scale(200));
        }

        Assert.Fail($"No {(int)status} after 100 rounds; saw {string.Join(" ", seen)}");
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
