using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Polly.Registry;
using PollyBreakerExt.Extensions.Tests.Docs;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// <c>AddSlowCallCircuitBreakers</c>: the health of every breaker of the registry, and its data, through a trip and recovery.
/// </summary>
public sealed class SlowCallCircuitBreakerHealthCheckTests
{
    [Fact]
    public async Task Health_moves_from_healthy_to_degraded_and_back_with_each_breakers_state_and_window_in_its_data()
    {
        await using var script = new BreakerScript("health-orders", services => services.AddHealthChecks().AddSlowCallCircuitBreakers());
        const string key = "health-orders/eu-west/orders-breaker";

        var entry = await CheckAsync(script.Services);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("All 0 circuit breaker(s) are closed.", entry.Description);
        Assert.Empty(entry.Data);

        script.Succeed();
        entry = await CheckAsync(script.Services);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("All 1 circuit breaker(s) are closed.", entry.Description);
        var breaker = Assert.IsType<SlowCallCircuitBreakerStatus>(Assert.Single(entry.Data, data => data.Key == key).Value);
        Assert.Equal((CircuitState.Closed, new CircuitMetrics(1, 0, 0, 0, 0), (long?)null), (breaker.State, breaker.Metrics, breaker.RetryAfterMs));

        script.Trip();
        script.Time.Advance(TimeSpan.FromSeconds(10));
        entry = await CheckAsync(script.Services);
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal($"1 of 1 circuit breaker(s) are not closed: {key} is Open (retry after 20 s).", entry.Description);
        breaker = Assert.IsType<SlowCallCircuitBreakerStatus>(entry.Data[key]);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(new CircuitMetrics(Calls: 5, Failures: 2, SlowCalls: 1, FailureRatio: 0.4, SlowCallRatio: 0.2), breaker.Metrics);
        Assert.Equal(20_000, breaker.RetryAfterMs);

        HealthReportEntry whileHalfOpen = default;
        script.Time.Advance(TimeSpan.FromSeconds(20));
        await script.Pipeline.ExecuteAsync(async _ => whileHalfOpen = await CheckAsync(script.Services)); // the probe
        Assert.Equal(HealthStatus.Degraded, whileHalfOpen.Status);
        Assert.Equal(CircuitState.HalfOpen, Assert.IsType<SlowCallCircuitBreakerStatus>(whileHalfOpen.Data[key]).State);

        entry = await CheckAsync(script.Services);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        breaker = Assert.IsType<SlowCallCircuitBreakerStatus>(entry.Data[key]);
        Assert.Equal((CircuitState.Closed, new CircuitMetrics(0, 0, 0, 0, 0)), (breaker.State, breaker.Metrics));
    }

    [Fact]
    public async Task A_critical_pipelines_breaker_that_is_not_closed_fails_the_check_while_others_only_degrade_it()
    {
        await using var services = TestServices.Build(new FakeTimeProvider(), services =>
        {
            services.AddResiliencePipeline("payments", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 }));
            services.AddResiliencePipeline("search", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 }));
            services.AddHealthChecks()
                .AddSlowCallCircuitBreakers(criticalPipelines: ["payments"])
                .AddSlowCallCircuitBreakers(criticalPipelines: ["payments"], name: "circuit-breakers-soft", failureStatus: HealthStatus.Degraded, tags: ["soft"]);
        });
        var pipelines = services.GetRequiredService<ResiliencePipelineProvider<string>>();
        pipelines.GetPipeline("payments").Execute(() => { });
        Fail(pipelines.GetPipeline("search"));

        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(services)).Status);

        await services.GetRequiredService<SlowCallCircuitBreakerRegistry>().IsolateAsync("payments");
        var entry = await CheckAsync(services);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(
            "2 of 2 circuit breaker(s) are not closed: payments/SlowCallCircuitBreaker is Isolated; search/SlowCallCircuitBreaker is Open (retry after 30 s).",
            entry.Description);
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(services, "circuit-breakers-soft")).Status);
        Assert.Equal(["soft"], (await CheckAsync(services, "circuit-breakers-soft")).Tags);

        await services.GetRequiredService<SlowCallCircuitBreakerRegistry>().CloseAsync("search");
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(services)).Status);
        await services.GetRequiredService<SlowCallCircuitBreakerRegistry>().CloseAsync("payments");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services)).Status);
    }

    [Fact]
    public async Task The_health_endpoint_shows_each_breaker_in_the_json_shape_of_get_circuits()
    {
        var time = new FakeTimeProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddResiliencePipeline("orders", pipeline => pipeline.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
        {
            FailureThreshold = 2,
            SlowCallDurationThreshold = TimeSpan.FromSeconds(1),
        }));
        ObservabilitySnippets.HealthChecks(builder.Services);
        await using var app = builder.Build();
        ObservabilitySnippets.HealthEndpoint(app);
        await app.StartAsync();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(app.Urls.Single()) };

        var pipeline = app.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        pipeline.Execute(() => time.Advance(TimeSpan.FromSeconds(1)));
        Fail(pipeline);
        Fail(pipeline);
        time.Advance(TimeSpan.FromSeconds(12.5));

        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // degraded is still served
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", json.RootElement.GetProperty("status").GetString());
        var circuits = json.RootElement.GetProperty("checks").GetProperty("circuit-breakers");
        Assert.Equal("Degraded", circuits.GetProperty("status").GetString());
        Assert.Equal(
            "1 of 1 circuit breaker(s) are not closed: orders/SlowCallCircuitBreaker is Open (retry after 17.5 s).",
            circuits.GetProperty("description").GetString());
        Assert.Equal(
            """{"key":"orders/SlowCallCircuitBreaker","pipelineName":"orders","instanceName":null,"strategyName":"SlowCallCircuitBreaker","state":"Open","lastReason":"FailureThreshold","stateSince":"2000-01-01T00:00:01+00:00","openSince":"2000-01-01T00:00:01+00:00","retryAfterMs":17500,"metrics":{"calls":3,"failures":2,"slowCalls":1,"failureRatio":0.6666666666666666,"slowCallRatio":0.3333333333333333},"rejectedCalls":0,"fleet":null}""",
            circuits.GetProperty("data").GetProperty("orders/SlowCallCircuitBreaker").GetRawText());
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>("builder", () => ((IHealthChecksBuilder)null!).AddSlowCallCircuitBreakers());
        Assert.Throws<ArgumentNullException>("name", () => new ServiceCollection().AddHealthChecks().AddSlowCallCircuitBreakers(name: null!));
        Assert.Throws<ArgumentNullException>("builder", () => OpenTelemetry.Metrics.SlowCallCircuitBreakerMeterProviderBuilderExtensions.AddSlowCallCircuitBreakerInstrumentation(null!));
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider services, string name = "circuit-breakers")
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(registration => registration.Name == name);
        return Assert.Single(report.Entries).Value;
    }

    private static void Fail(ResiliencePipeline pipeline)
        => Assert.Throws<InvalidOperationException>(() => pipeline.Execute(() => throw new InvalidOperationException("down")));
}
