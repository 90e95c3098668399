using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.PackageTests;

/// <summary>The Extensions package: the HttpClient handler against a real server, the registry in the real container, health, configuration.</summary>
internal static class HttpClientChecks
{
    public static async Task HandlerTripsRegistryIsolatesAndCloses()
    {
        await using var upstream = await Upstream.StartAsync();
        upstream.StatusCode = 500;

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient("upstream", client => client.BaseAddress = upstream.BaseAddress)
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.FailureThreshold = 1;
                options.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(1);
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
            });
        services.AddHealthChecks().AddSlowCallCircuitBreakers();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("upstream");
        var registry = provider.GetRequiredService<SlowCallCircuitBreakerRegistry>();

        using (var response = await client.GetAsync(new Uri("/orders", UriKind.Relative)))
        {
            Checks.Expect(500, (int)response.StatusCode, "status of the failing call");
        }

        Checks.Expect(2, upstream.Requests, "requests of one call with one retry");
        var breaker = registry.GetBreakers().Single();
        Checks.Expect("upstream-slowcall", breaker.PipelineName, "pipeline name in the registry");
        Checks.Expect(CircuitState.Open, breaker.State, "state in the registry after the failed call");

        var rejected = await Checks.ExpectThrows<BrokenCircuitException>(() => client.GetAsync(new Uri("/orders", UriKind.Relative)), "call on the open circuit");
        Checks.Expect(2, upstream.Requests, "requests after the rejection (none may reach the server)");
        if (rejected.RetryAfter is null)
        {
            throw new InvalidOperationException("the rejection should carry RetryAfter");
        }

        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Checks.Expect(HealthStatus.Degraded, health.Status, "health with an open breaker");

        upstream.StatusCode = 200;
        await registry.CloseAsync("upstream-slowcall");
        using (var response = await client.GetAsync(new Uri("/orders", UriKind.Relative)))
        {
            Checks.Expect(200, (int)response.StatusCode, "status after the registry closed the breaker");
        }

        await registry.IsolateAsync("upstream-slowcall");
        await Checks.ExpectThrows<IsolatedCircuitException>(() => client.GetAsync(new Uri("/orders", UriKind.Relative)), "call on the isolated circuit");
        Checks.Expect(CircuitState.Isolated, registry.GetBreakers().Single().State, "state after IsolateAsync");
        Checks.Expect(3, upstream.Requests, "requests in all");
    }

    public static async Task ConfigurationIsBoundAndValidated()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Upstream:CircuitBreaker:SlidingWindowType"] = "CountBased",
                ["Upstream:CircuitBreaker:SlidingWindowSize"] = "20",
                ["Upstream:CircuitBreaker:SlowCallRatio"] = "2",
                ["Upstream:Retry:MaxRetryAttempts"] = "1",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddHttpClient("configured").AddSlowCallResilienceHandler(configuration.GetSection("Upstream"));
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<HttpSlowCallResilienceOptions>>();

        var error = await Checks.ExpectThrows<OptionsValidationException>(
            () => Task.Run(() => options.Get("configured-slowcall")),
            "SlowCallRatio = 2 from configuration");
        if (!error.Message.Contains("Upstream:CircuitBreaker:SlowCallRatio", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the error should name the configuration key: {error.Message}");
        }

        // The values that are valid were bound (by the configuration binding source generator under native AOT).
        var valid = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Upstream:CircuitBreaker:SlidingWindowType"] = "CountBased",
                ["Upstream:CircuitBreaker:SlidingWindowSize"] = "20",
                ["Upstream:CircuitBreaker:SlowCallDurationThreshold"] = "00:00:02",
            })
            .Build();
        services = new ServiceCollection();
        services.AddHttpClient("configured").AddSlowCallResilienceHandler(valid.GetSection("Upstream"));
        await using var validProvider = services.BuildServiceProvider();
        var bound = validProvider.GetRequiredService<IOptionsMonitor<HttpSlowCallResilienceOptions>>().Get("configured-slowcall");
        Checks.Expect(SlidingWindowType.CountBased, bound.CircuitBreaker.SlidingWindowType, "bound SlidingWindowType");
        Checks.Expect(20, bound.CircuitBreaker.SlidingWindowSize, "bound SlidingWindowSize");
        Checks.Expect(TimeSpan.FromSeconds(2), bound.CircuitBreaker.SlowCallDurationThreshold, "bound SlowCallDurationThreshold");
    }
}
