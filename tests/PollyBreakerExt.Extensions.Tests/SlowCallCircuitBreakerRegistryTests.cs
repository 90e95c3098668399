using System.Net;
using Microsoft.Extensions.Http.Resilience;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Polly.Registry;
using Polly.Telemetry;

namespace PollyBreakerExt.Extensions.Tests;

/// <summary>
/// The registry of live breakers: what it lists, its isolate and close switch, and what it keeps alive.
/// </summary>
public sealed class SlowCallCircuitBreakerRegistryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private UpstreamServer _server = null!;

    public async Task InitializeAsync() => _server = (await UpstreamServer.StartAsync()).RespondWith(200);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Lists_every_breaker_built_through_the_container_with_its_pipeline_instance_and_strategy_names()
    {
        await using var services = TestServices.Build(_time, services =>
        {
            services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { Name = "orders-breaker" }));
            services.AddResiliencePipeline<string, int>("stock", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>()));
            services.AddHttpClient("inventory", client => client.BaseAddress = _server.BaseAddress)
                .AddResilienceHandler("breaker", builder => builder.AddSlowCallCircuitBreaker(new HttpSlowCallCircuitBreakerStrategyOptions()));
            services.AddHttpClient("payments").AddSlowCallResilienceHandler().SelectPipelineByAuthority();
        });
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        Assert.Empty(registry.GetBreakers()); // pipelines are built on first use

        var pipelines = services.GetRequiredService<ResiliencePipelineProvider<string>>();
        pipelines.GetPipeline("orders");
        pipelines.GetPipeline<int>("stock");
        var factory = services.GetRequiredService<IHttpClientFactory>();
        using (await factory.CreateClient("inventory").GetAsync("/"))
        using (await factory.CreateClient("payments").GetAsync(_server.BaseAddress))
        {
        }

        var listed = registry.GetBreakers().Select(b => (b.PipelineName, b.PipelineInstanceName, b.StrategyName, b.State)).ToList();
        Assert.Equal(
            [
                ("orders", null, "orders-breaker", CircuitState.Closed),
                ("stock", null, "SlowCallCircuitBreaker", CircuitState.Closed),
                ("inventory-breaker", null, "SlowCallCircuitBreaker", CircuitState.Closed),
                ("payments-slowcall", _server.Authority, "SlowCall-CircuitBreaker", CircuitState.Closed),
            ],
            listed);
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), services.Breaker("inventory-breaker").Metrics);
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), services.Breaker("payments-slowcall", _server.Authority).Metrics);
    }

    [Fact]
    public async Task Shows_state_metrics_and_time_until_retry_of_an_open_breaker()
    {
        await using var services = TestServices.Build(_time, services => services.AddResiliencePipeline("orders", builder => builder
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(30) })));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        pipeline.Execute(() => { });
        Fail(pipeline);
        Fail(pipeline);

        _time.Advance(TimeSpan.FromSeconds(10));

        var breaker = services.Breaker("orders");
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(new CircuitMetrics(Calls: 3, Failures: 2, SlowCalls: 0, FailureRatio: 2.0 / 3, SlowCallRatio: 0), breaker.Metrics);
        Assert.Equal(TimeSpan.FromSeconds(20), breaker.RetryAfter);
    }

    [Fact]
    public async Task Snapshots_serialize_to_json_with_the_state_by_name()
    {
        await using var services = TestServices.Build(_time, services => services.AddResiliencePipeline("orders", builder => builder
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 })));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Fail(pipeline);

        var json = JsonSerializer.Serialize(services.GetRequiredService<SlowCallCircuitBreakerRegistry>().GetBreakers(), JsonSerializerOptions.Web);

        Assert.Equal(
            """[{"pipelineName":"orders","pipelineInstanceName":null,"strategyName":"SlowCallCircuitBreaker","state":"Open","metrics":{"calls":1,"failures":1,"slowCalls":0,"failureRatio":1,"slowCallRatio":0},"retryAfter":"00:00:30"}]""",
            json);
    }

    [Fact]
    public async Task Isolating_by_name_rejects_calls_without_reaching_the_server_until_closed_by_name()
    {
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments", client => client.BaseAddress = _server.BaseAddress)
            .AddSlowCallResilienceHandler());
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");
        using (await client.GetAsync("/"))
        {
        }

        Assert.Equal(1, await registry.IsolateAsync("payments-slowcall"));

        Assert.Equal(CircuitState.Isolated, services.Breaker("payments-slowcall").State);
        await Assert.ThrowsAsync<IsolatedCircuitException>(() => client.GetAsync("/"));
        Assert.Equal(1, _server.Requests);

        Assert.Equal(1, await registry.CloseAsync("payments-slowcall"));

        Assert.Equal(CircuitState.Closed, services.Breaker("payments-slowcall").State);
        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task Isolating_one_instance_leaves_the_other_authorities_working()
    {
        await using var other = (await UpstreamServer.StartAsync()).RespondWith(200);
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments")
            .AddSlowCallResilienceHandler()
            .SelectPipelineByAuthority());
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");
        using (await client.GetAsync(_server.BaseAddress))
        using (await client.GetAsync(other.BaseAddress))
        {
        }

        Assert.Equal(1, await registry.IsolateAsync("payments-slowcall", _server.Authority));

        await Assert.ThrowsAsync<IsolatedCircuitException>(() => client.GetAsync(_server.BaseAddress));
        using var response = await client.GetAsync(other.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CircuitState.Closed, services.Breaker("payments-slowcall", other.Authority).State);
    }

    [Fact]
    public async Task An_isolation_is_remembered_for_breakers_built_later()
    {
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments")
            .AddSlowCallResilienceHandler()
            .SelectPipelineByAuthority());
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");

        // Nothing is built yet: no live breaker is isolated, but the switch holds for the authority's breaker when it comes.
        Assert.Equal(0, await registry.IsolateAsync("payments-slowcall"));

        await Assert.ThrowsAsync<IsolatedCircuitException>(() => client.GetAsync(_server.BaseAddress));
        Assert.Equal(0, _server.Requests);
        Assert.Equal(CircuitState.Isolated, services.Breaker("payments-slowcall", _server.Authority).State);

        Assert.Equal(1, await registry.CloseAsync("payments-slowcall"));
        using var response = await client.GetAsync(_server.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_isolation_survives_a_configuration_reload()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orders:Breaker:FailureThreshold"] = "1" })
            .Build();
        await using var services = TestServices.Build(_time, services => services
            .Configure<SlowCallCircuitBreakerStrategyOptions>("orders", configuration.GetSection("Orders:Breaker"))
            .AddResiliencePipeline("orders", (builder, context) =>
            {
                context.EnableReloads<SlowCallCircuitBreakerStrategyOptions>("orders");
                builder.AddSlowCallCircuitBreaker(context.GetOptions<SlowCallCircuitBreakerStrategyOptions>("orders"));
            }));
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Assert.Equal(1, await registry.IsolateAsync("orders"));

        configuration["Orders:Breaker:FailureThreshold"] = "2";
        configuration.Reload();

        Assert.Equal(CircuitState.Isolated, services.Breaker("orders").State);
        Assert.Throws<IsolatedCircuitException>(() => pipeline.Execute(() => { }));
    }

    [Fact]
    public async Task Isolate_and_close_need_a_pipeline_name()
    {
        await using var services = TestServices.Build(_time, _ => { });
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();

        await Assert.ThrowsAsync<ArgumentException>("pipelineName", () => registry.IsolateAsync(""));
        await Assert.ThrowsAsync<ArgumentNullException>("pipelineName", () => registry.CloseAsync(null!));
    }

    [Fact]
    public async Task Relays_every_transition_with_the_breakers_names()
    {
        await using var services = TestServices.Build(_time, services => services.AddResiliencePipeline("orders", builder => builder
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 })));
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var transitions = new List<(string? Pipeline, CircuitState From, CircuitState To, CircuitTransitionReason Reason)>();
        registry.StateChanged += (breaker, args) => transitions.Add((breaker.PipelineName, args.PreviousState, args.NewState, args.Reason));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");

        Fail(pipeline);
        await registry.CloseAsync("orders");

        Assert.Equal(
            [
                ("orders", CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
                ("orders", CircuitState.Open, CircuitState.Closed, CircuitTransitionReason.Manual),
            ],
            transitions);
    }

    [Fact]
    public async Task Holds_no_breaker_once_the_container_that_built_it_is_disposed()
    {
        SlowCallCircuitBreakerRegistry registry;
        await using (var services = TestServices.Build(_time, services => services
            .AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions()))))
        {
            registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
            services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
            Assert.Single(registry.GetBreakers());
        }

        Assert.Empty(registry.GetBreakers());
        Assert.Equal(0, await registry.IsolateAsync("orders"));
    }

    [Fact]
    public void Keeps_no_breaker_alive_after_its_pipeline_is_unreachable()
    {
        var registry = new SlowCallCircuitBreakerRegistry();
        var telemetry = new TelemetryOptions();
        telemetry.TelemetryListeners.Add(registry.Listener);

        BuildAndDropPipeline(telemetry, registry);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Empty(registry.GetLive());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lists_a_breaker_once_when_an_unused_twin_with_the_same_names_exists(bool twinBuiltFirst)
    {
        // Polly's registry can build a pipeline twice when two callers race for it, and drop one undisposed.
        var registry = new SlowCallCircuitBreakerRegistry();
        var telemetry = new TelemetryOptions();
        telemetry.TelemetryListeners.Add(registry.Listener);
        ResiliencePipeline Build() => new ResiliencePipelineBuilder { Name = "orders" }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 })
            .ConfigureTelemetry(telemetry)
            .Build();
        var twin = twinBuiltFirst ? Build() : null;
        var used = Build();
        twin ??= Build();

        Fail(used);

        var listed = Assert.Single(registry.GetBreakers());
        Assert.Equal(CircuitState.Open, listed.State);
        Assert.Equal(2, registry.GetLive().Length);
        GC.KeepAlive(twin);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BuildAndDropPipeline(TelemetryOptions telemetry, SlowCallCircuitBreakerRegistry registry)
    {
        var pipeline = new ResiliencePipelineBuilder { Name = "dropped" }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions())
            .ConfigureTelemetry(telemetry)
            .Build();
        pipeline.Execute(() => { });
        Assert.Equal("dropped", Assert.Single(registry.GetBreakers()).PipelineName);
    }

    private static void Fail(ResiliencePipeline pipeline)
        => Assert.Throws<InvalidOperationException>(() => pipeline.Execute(static () => throw new InvalidOperationException("upstream failed")));
}
