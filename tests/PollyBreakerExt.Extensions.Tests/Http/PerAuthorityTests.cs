using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace PollyBreakerExt.Extensions.Tests.Http;

/// <summary>
/// <c>CircuitBreaker:PerAuthority</c>: one breaker per authority inside one handler, through real Kestrel servers on
/// 127.0.0.1 (two ports, two authorities), so a failing upstream opens its own breaker and no other.
/// </summary>
public sealed class PerAuthorityTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private UpstreamServer _failing = null!;
    private UpstreamServer _healthy = null!;

    public async Task InitializeAsync()
    {
        _failing = (await UpstreamServer.StartAsync()).RespondWith(500);
        _healthy = (await UpstreamServer.StartAsync()).RespondWith(200);
    }

    public async Task DisposeAsync()
    {
        await _failing.DisposeAsync();
        await _healthy.DisposeAsync();
    }

    [Fact]
    public async Task A_failing_authority_opens_its_own_breaker_while_the_other_keeps_serving()
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("""
            {
              "Payments": {
                "CircuitBreaker": { "PerAuthority": true, "FailureThreshold": 2, "MaxKeys": 100 },
                "Retry": { "MaxRetryAttempts": 1, "Delay": "00:00:00" }
              }
            }
            """))).Build();
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments")
            .AddSlowCallResilienceHandler(configuration.GetSection("Payments")));
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");

        for (var i = 0; i < 2; i++) // the breaker is outside the retry: each request, retried once, is one failure
        {
            using var failed = await client.GetAsync(_failing.BaseAddress);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync(_failing.BaseAddress));
        for (var i = 0; i < 5; i++)
        {
            using var served = await client.GetAsync(_healthy.BaseAddress);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        Assert.Equal(4, _failing.Requests);
        Assert.Equal(5, _healthy.Requests);
        var breakers = services.GetRequiredService<SlowCallCircuitBreakerRegistry>().GetBreakers()
            .Where(breaker => breaker.BreakerKey is not null)
            .ToDictionary(breaker => breaker.BreakerKey!, breaker => breaker.State);
        Assert.Equal(CircuitState.Open, breakers[_failing.Authority]);
        Assert.Equal(CircuitState.Closed, breakers[_healthy.Authority]);
    }

    [Fact]
    public void PerAuthority_sets_and_clears_the_key_selector()
    {
        var options = new HttpSlowCallCircuitBreakerStrategyOptions();
        Assert.False(options.PerAuthority);
        Assert.Null(options.KeySelector);

        options.PerAuthority = true;
        Assert.True(options.PerAuthority);
        Assert.NotNull(options.KeySelector);

        options.PerAuthority = false;
        Assert.Null(options.KeySelector);

        options.KeySelector = static _ => "tenant";
        options.PerAuthority = false; // another selector is left alone
        Assert.NotNull(options.KeySelector);
        Assert.False(options.PerAuthority);
    }
}
