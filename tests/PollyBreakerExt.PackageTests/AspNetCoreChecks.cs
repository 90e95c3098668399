#if !CONSUMER_AOT // the AspNetCore package is not AOT-compatible yet (its README says why)
using System.Net;
using System.Text.Json;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.PackageTests;

/// <summary>The AspNetCore package: the operator endpoints of a real app list its breakers and isolate one.</summary>
internal static class AspNetCoreChecks
{
    public static async Task OperatorEndpointsListAndIsolate()
    {
        await using var upstream = await Upstream.StartAsync();
        upstream.StatusCode = 500;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddHttpClient("upstream", client => client.BaseAddress = upstream.BaseAddress)
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.FailureThreshold = 1;
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
            });
        await using var app = builder.Build();
        app.MapSlowCallCircuitBreakers();
        await app.StartAsync();
        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("upstream");
        (await client.GetAsync(new Uri("/orders", UriKind.Relative))).Dispose();

        using var operatorClient = new HttpClient { BaseAddress = Upstream.AddressOf(app) };
        using (var list = JsonDocument.Parse(await operatorClient.GetStringAsync(new Uri("/circuits", UriKind.Relative))))
        {
            var breaker = list.RootElement.EnumerateArray().Single();
            Checks.Expect("upstream-slowcall", breaker.GetProperty("pipelineName").GetString(), "pipelineName in GET /circuits");
            Checks.Expect("Open", breaker.GetProperty("state").GetString(), "state in GET /circuits");
        }

        var registry = app.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var snapshot = registry.GetBreakers().Single();
        var key = Uri.EscapeDataString($"{snapshot.PipelineName}/{snapshot.StrategyName}");
        using var isolate = new HttpRequestMessage(HttpMethod.Post, new Uri($"/circuits/{key}/isolate", UriKind.Relative));
        isolate.Headers.Add("X-PollyBreakerExt", "1");
        using var isolated = await operatorClient.SendAsync(isolate);
        Checks.Expect(HttpStatusCode.NoContent, isolated.StatusCode, "POST isolate");
        Checks.Expect(CircuitState.Isolated, registry.GetBreakers().Single().State, "state after POST isolate");
    }
}
#endif
