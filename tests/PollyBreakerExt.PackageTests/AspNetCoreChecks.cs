using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.PackageTests;

/// <summary>
/// The AspNetCore package in a real app, run as it is built and as a native-AOT binary: the operator endpoints list its
/// breakers, serve the page with them, and isolate one; the health report shows the breaker as <c>GET /circuits</c> does.
/// </summary>
internal static class AspNetCoreChecks
{
    public static async Task OperatorEndpointsListServeThePageIsolateAndMatchHealth()
    {
        await using var upstream = await Upstream.StartAsync();
        upstream.StatusCode = 500;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddHealthChecks().AddSlowCallCircuitBreakers();
        builder.Services.AddHttpClient("upstream", client => client.BaseAddress = upstream.BaseAddress)
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.FailureThreshold = 1;
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
            });
        await using var app = builder.Build();
        app.MapSlowCallCircuitBreakers();
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                return SlowCallCircuitBreakerHealthReportWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
            },
        });
        await app.StartAsync();
        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("upstream");
        (await client.GetAsync(new Uri("/orders", UriKind.Relative))).Dispose();

        using var operatorClient = new HttpClient { BaseAddress = Upstream.AddressOf(app) };
        string listed;
        using (var list = JsonDocument.Parse(await operatorClient.GetStringAsync(new Uri("/circuits", UriKind.Relative))))
        {
            var breaker = list.RootElement.EnumerateArray().Single();
            Checks.Expect("upstream-slowcall", breaker.GetProperty("pipelineName").GetString(), "pipelineName in GET /circuits");
            Checks.Expect("Open", breaker.GetProperty("state").GetString(), "state in GET /circuits");
            Checks.Expect("FailureThreshold", breaker.GetProperty("lastReason").GetString(), "lastReason in GET /circuits");
            listed = breaker.GetProperty("key").GetString()!;
        }

        using (var page = await operatorClient.GetAsync(new Uri("/circuits/ui", UriKind.Relative)))
        {
            var html = await page.Content.ReadAsStringAsync();
            Checks.Expect(HttpStatusCode.OK, page.StatusCode, "GET /circuits/ui");
            Checks.Expect("text/html", page.Content.Headers.ContentType?.MediaType, "content type of GET /circuits/ui");
            Checks.Expect(true, html.Contains(JsonEncodedText.Encode(listed).ToString(), StringComparison.Ordinal), $"GET /circuits/ui carries the breaker '{listed}'");
        }

        using (var health = JsonDocument.Parse(await operatorClient.GetStringAsync(new Uri("/health", UriKind.Relative))))
        {
            var breaker = health.RootElement.GetProperty("checks").GetProperty("circuit-breakers").GetProperty("data").GetProperty(listed);
            Checks.Expect("Open", breaker.GetProperty("state").GetString(), "state in /health's data");
            Checks.Expect(true, breaker.GetProperty("retryAfterMs").GetInt64() > 0, "retryAfterMs in /health's data");
        }

        var registry = app.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var snapshot = registry.GetBreakers().Single();
        Checks.Expect(snapshot.Key, listed, "key in GET /circuits");
        using var isolate = new HttpRequestMessage(HttpMethod.Post, new Uri($"/circuits/{Uri.EscapeDataString(listed)}/isolate", UriKind.Relative));
        isolate.Headers.Add("X-PollyBreakerExt", "1");
        using var isolated = await operatorClient.SendAsync(isolate);
        Checks.Expect(HttpStatusCode.NoContent, isolated.StatusCode, "POST isolate");
        Checks.Expect(CircuitState.Isolated, registry.GetBreakers().Single().State, "state after POST isolate");
    }
}
