using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Http.Resilience;
using Polly.Registry;
using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// The <c>PollyBreakerExt</c> meter, read with <see cref="MetricCollector{T}"/> from the container's own meter factory.
/// </summary>
public sealed class SlowCallCircuitBreakerMetricsTests
{
    [Fact]
    public async Task A_reopening_probe_does_not_end_the_episode_the_histogram_measures_from_leaving_closed_to_closing()
    {
        await using var script = new BreakerScript("episode");
        using var openDuration = Collector<double>(script, OpenDuration);
        using var transitions = Collector<long>(script, Transitions);

        script.Trip();
        script.Time.Advance(BreakerScript.BreakDuration);
        Assert.Throws<InvalidOperationException>(() => script.Pipeline.Execute(() => throw new InvalidOperationException("still down")));
        Assert.Equal(CircuitState.Open, script.Breaker().State);
        Assert.Empty(openDuration.GetMeasurementSnapshot());

        script.Recover(TimeSpan.FromSeconds(0.5));

        var episode = Assert.Single(openDuration.GetMeasurementSnapshot());
        Assert.Equal(60.5, episode.Value); // 30 s open, a failed probe, 30 s open again, a probe of half a second
        Assert.Equal(Tags(script, (ReasonTag, "failure_threshold")), episode.Tags);
        Assert.Equal(
            [
                ("closed", "open", "failure_threshold"),
                ("open", "half_open", "break_duration_elapsed"),
                ("half_open", "open", "half_open_probe_failed"),
                ("open", "half_open", "break_duration_elapsed"),
                ("half_open", "closed", "half_open_succeeded"),
            ],
            transitions.GetMeasurementSnapshot().Select(m => ((string)m.Tags[PreviousStateTag]!, (string)m.Tags[StateTag]!, (string)m.Tags[ReasonTag]!)));
        Assert.All(transitions.GetMeasurementSnapshot(), m => Assert.Equal(1, m.Value));
    }

    [Fact]
    public async Task A_breaker_built_isolated_has_its_episode_measured_from_when_it_was_built()
    {
        await using var script = new BreakerScript("built-isolated", manualControl: new SlowCallCircuitBreakerManualControl(isIsolated: true));
        using var openDuration = Collector<double>(script, OpenDuration);
        using var transitions = Collector<long>(script, Transitions);
        using var state = Collector<double>(script, State);
        _ = script.Pipeline;

        state.RecordObservableInstruments();
        Assert.Equal(1, state.LastMeasurement!.Value);

        script.Time.Advance(TimeSpan.FromSeconds(5));
        await script.Registry.CloseAsync(script.PipelineName);

        var episode = Assert.Single(openDuration.GetMeasurementSnapshot());
        Assert.Equal(5, episode.Value);
        Assert.Equal("manual", episode.Tags[ReasonTag]);
        var closed = Assert.Single(transitions.GetMeasurementSnapshot());
        Assert.Equal(("isolated", "closed"), ((string)closed.Tags[PreviousStateTag]!, (string)closed.Tags[StateTag]!));
    }

    [Fact]
    public async Task Rejected_calls_are_counted_by_the_state_that_rejected_them()
    {
        await using var script = new BreakerScript("rejections");
        using var rejected = Collector<long>(script, RejectedCalls);

        script.Trip();
        script.Reject<BrokenCircuitException>();
        script.Recover(TimeSpan.Zero, whileHalfOpen: script.Reject<BrokenCircuitException>); // the one probe allowed is running
        await script.Registry.IsolateAsync(script.PipelineName);
        script.Reject<IsolatedCircuitException>();
        script.Reject<IsolatedCircuitException>();

        Assert.Equal(
            [("open", 1L), ("half_open", 1L), ("isolated", 1L), ("isolated", 1L)],
            rejected.GetMeasurementSnapshot().Select(m => ((string)m.Tags[StateTag]!, m.Value)));
        Assert.All(rejected.GetMeasurementSnapshot(), m => Assert.Equal(4, m.Tags.Count)); // Polly's three names and the state
    }

    [Fact]
    public async Task Gauges_report_each_breaker_with_its_own_names()
    {
        await using var services = TestServices.Build(new FakeTimeProvider(), services =>
        {
            services.AddResiliencePipeline("gauges-a", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 }));
            services.AddResiliencePipeline("gauges-b", builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { Name = "b-breaker" }));
        });
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<double>(meterFactory, MeterName, State);
        using var calls = new MetricCollector<long>(meterFactory, MeterName, WindowCalls);

        state.RecordObservableInstruments();
        Assert.Empty(state.GetMeasurementSnapshot()); // no pipeline built yet, no breaker to report

        var pipelines = services.GetRequiredService<ResiliencePipelineProvider<string>>();
        Assert.Throws<InvalidOperationException>(() => pipelines.GetPipeline("gauges-a").Execute(() => throw new InvalidOperationException()));
        pipelines.GetPipeline("gauges-b").Execute(() => { });
        pipelines.GetPipeline("gauges-b").Execute(() => { });

        state.RecordObservableInstruments();
        calls.RecordObservableInstruments();
        Assert.Equal(
            [("gauges-a", "SlowCallCircuitBreaker", 1.0), ("gauges-b", "b-breaker", 0.0)],
            state.GetMeasurementSnapshot().Select(m => ((string)m.Tags["pipeline.name"]!, (string)m.Tags["strategy.name"]!, m.Value)).Order());
        Assert.Equal(
            [("gauges-a", 1L), ("gauges-b", 2L)],
            calls.GetMeasurementSnapshot().Select(m => ((string)m.Tags["pipeline.name"]!, m.Value)).Order());
        Assert.All(state.GetMeasurementSnapshot(), m => Assert.False(m.Tags.ContainsKey("pipeline.instance"))); // none, as Polly omits it
    }

    [Fact]
    public async Task A_per_authority_breaker_of_the_http_handler_is_tagged_with_its_authority_like_pollys_events()
    {
        await using var server = (await UpstreamServer.StartAsync()).RespondWith(500);
        await using var services = TestServices.Build(new FakeTimeProvider(), services => services
            .AddHttpClient("tagged", client => client.BaseAddress = server.BaseAddress)
            .AddSlowCallResilienceHandler(options =>
            {
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
                options.CircuitBreaker.FailureThreshold = 1;
            })
            .SelectPipelineByAuthority());
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var transitions = new MetricCollector<long>(meterFactory, MeterName, Transitions);
        using var rejected = new MetricCollector<long>(meterFactory, MeterName, RejectedCalls);
        using var pollyEvents = new MetricCollector<int>(null, PollyMeterName, PollyStrategyEvents); // Polly's static meter, an int counter
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("tagged");

        using (var response = await client.GetAsync("/"))
        {
            Assert.Equal(500, (int)response.StatusCode);
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));

        var expected = new Dictionary<string, object?>
        {
            ["pipeline.name"] = "tagged-slowcall",
            ["pipeline.instance"] = server.Authority,
            ["strategy.name"] = "SlowCall-CircuitBreaker",
        };
        Assert.True(Assert.Single(transitions.GetMeasurementSnapshot()).ContainsTags([.. expected]));
        Assert.True(Assert.Single(rejected.GetMeasurementSnapshot()).ContainsTags([.. expected]));
        Assert.Contains(
            pollyEvents.GetMeasurementSnapshot(),
            m => Equals(m.Tags["event.name"], "OnCircuitRejected") && m.ContainsTags([.. expected]));
    }

    [Fact]
    public async Task A_keyed_breakers_rejections_are_tagged_with_its_key_the_first_hundred_keys_as_themselves_the_rest_as_other()
    {
        var tenant = new ResiliencePropertyKey<string>("tenant");
        await using var services = TestServices.Build(new FakeTimeProvider(), services => services.AddResiliencePipeline("keyed", builder => builder
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                FailureThreshold = 1,
                KeySelector = context => context.Properties.GetValue(tenant, "default"),
            })));
        using var rejected = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), MeterName, RejectedCalls);
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("keyed");

        for (var i = 0; i < MaxBreakerKeyTagValues + 5; i++)
        {
            var context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(tenant, $"tenant-{i}");
            Assert.Throws<InvalidOperationException>(() => pipeline.Execute(_ => throw new InvalidOperationException("down"), context));
            Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(_ => { }, context));
            ResilienceContextPool.Shared.Return(context);
        }

        var keys = rejected.GetMeasurementSnapshot().Select(m => (string?)m.Tags[BreakerKeyTag]).ToList();
        Assert.Equal([.. Enumerable.Range(0, MaxBreakerKeyTagValues).Select(i => $"tenant-{i}"), .. Enumerable.Repeat(OtherBreakerKey, 5)], keys);
    }

    private static MetricCollector<T> Collector<T>(BreakerScript script, string instrument)
        where T : struct
        => new(script.Services.GetRequiredService<IMeterFactory>(), MeterName, instrument);

    private static Dictionary<string, object?> Tags(BreakerScript script, params (string Key, string Value)[] more)
    {
        var tags = new Dictionary<string, object?>
        {
            ["pipeline.name"] = script.PipelineName,
            ["pipeline.instance"] = BreakerScript.InstanceName,
            ["strategy.name"] = BreakerScript.StrategyName,
        };
        foreach (var (key, value) in more)
        {
            tags[key] = value;
        }

        return tags;
    }
}
