using OpenTelemetry.Metrics;
using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// Every instrument of the <c>PollyBreakerExt</c> meter, exported through the real OpenTelemetry SDK after a scripted trip,
/// recovery and isolation on a fake clock, with its values, units and tags.
/// </summary>
[Collection(OpenTelemetrySdkGroup.Name)]
public sealed class OpenTelemetryExportTests
{
    [Fact]
    public async Task Every_instrument_is_exported_with_its_value_unit_and_pipeline_tags_through_a_trip_recovery_and_isolation()
    {
        const string pipeline = "otel-export-orders";
        var metrics = new ExportedMetrics(pipeline);
        await using var script = new BreakerScript(pipeline, metrics.AddTo);
        metrics.Start(script.Services);
        _ = script.Pipeline;

        // Closed, nothing recorded yet.
        var exported = metrics.Collect();
        Assert.Equal(0, Gauge(exported, State));
        Assert.Equal(0, Gauge(exported, FailureRatio));
        Assert.Equal(0, Gauge(exported, SlowCallRatio));
        Assert.Equal(0, Sum(exported, WindowCalls));

        // Open: 4 calls in the window, 2 failed, 1 slow.
        script.Trip();
        script.Reject<BrokenCircuitException>();
        script.Reject<BrokenCircuitException>();
        exported = metrics.Collect();
        Assert.Equal(1, Gauge(exported, State));
        Assert.Equal(0.5, Gauge(exported, FailureRatio));
        Assert.Equal(0.25, Gauge(exported, SlowCallRatio));
        Assert.Equal(4, Sum(exported, WindowCalls));
        Assert.Equal(1, Sum(exported, Transitions, (PreviousStateTag, "closed"), (StateTag, "open"), (ReasonTag, "failure_threshold")));
        Assert.Equal(2, Sum(exported, RejectedCalls, (StateTag, "open")));

        // Half-open while the probe runs, which takes half a second; then closed, with a cleared window.
        IReadOnlyList<MetricSnapshot> whileHalfOpen = [];
        script.Recover(TimeSpan.FromSeconds(0.5), () => whileHalfOpen = metrics.Collect());
        Assert.Equal(0.5, Gauge(whileHalfOpen, State));
        Assert.Equal(1, Sum(whileHalfOpen, Transitions, (PreviousStateTag, "open"), (StateTag, "half_open"), (ReasonTag, "break_duration_elapsed")));

        exported = metrics.Collect();
        Assert.Equal(0, Gauge(exported, State));
        Assert.Equal(0, Gauge(exported, FailureRatio));
        Assert.Equal(0, Gauge(exported, SlowCallRatio));
        Assert.Equal(0, Sum(exported, WindowCalls));
        Assert.Equal(1, Sum(exported, Transitions, (PreviousStateTag, "half_open"), (StateTag, "closed"), (ReasonTag, "half_open_succeeded")));
        var trip = HistogramPoint(exported, (ReasonTag, "failure_threshold"));
        Assert.Equal(1, trip.GetHistogramCount());
        Assert.Equal(30.5, trip.GetHistogramSum());
        Assert.Equal(1, BucketCount(trip, upperBound: 60)); // the advised boundaries, in seconds: (30, 60]

        // Isolated by an operator for 10 s: 1 like open, its rejections by state, its own episode.
        await script.Registry.IsolateAsync(pipeline);
        script.Reject<IsolatedCircuitException>();
        exported = metrics.Collect();
        Assert.Equal(1, Gauge(exported, State));
        Assert.Equal(1, Sum(exported, Transitions, (PreviousStateTag, "closed"), (StateTag, "isolated"), (ReasonTag, "manual")));
        Assert.Equal(1, Sum(exported, RejectedCalls, (StateTag, "isolated")));

        script.Time.Advance(TimeSpan.FromSeconds(10));
        await script.Registry.CloseAsync(pipeline);
        exported = metrics.Collect();
        Assert.Equal(0, Gauge(exported, State));
        Assert.Equal(1, Sum(exported, Transitions, (PreviousStateTag, "isolated"), (StateTag, "closed"), (ReasonTag, "manual")));
        Assert.Equal(10, HistogramPoint(exported, (ReasonTag, "manual")).GetHistogramSum());
        Assert.Equal(30.5, HistogramPoint(exported, (ReasonTag, "failure_threshold")).GetHistogramSum());
        Assert.Equal(5, metrics.Points(exported, MeterName, Transitions).Count); // one series per kind of transition, no other

        // Names, units, kinds and descriptions as documented.
        Assert.Equal(
            [
                (FailureRatio, "1", MetricType.DoubleGauge),
                (OpenDuration, "s", MetricType.Histogram),
                (RejectedCalls, "{call}", MetricType.LongSum),
                (SlowCallRatio, "1", MetricType.DoubleGauge),
                (State, "{state}", MetricType.DoubleGauge),
                (Transitions, "{transition}", MetricType.LongSum),
                (WindowCalls, "{call}", MetricType.LongSumNonMonotonic),
            ],
            exported.Where(metric => metric.MeterName == MeterName).Select(metric => (metric.Name, metric.Unit, metric.MetricType)).Order());
        Assert.All(exported.Where(metric => metric.MeterName == MeterName), metric => Assert.False(string.IsNullOrEmpty(metric.Description)));

        double Gauge(IReadOnlyList<MetricSnapshot> snapshot, string instrument)
            => Single(snapshot, instrument).GetGaugeLastValueDouble();

        long Sum(IReadOnlyList<MetricSnapshot> snapshot, string instrument, params (string Key, string Value)[] tags)
            => Single(snapshot, instrument, tags).GetSumLong();

        MetricPoint HistogramPoint(IReadOnlyList<MetricSnapshot> snapshot, params (string Key, string Value)[] tags)
            => Single(snapshot, OpenDuration, tags);

        // The one point with exactly Polly's three names and the given tags.
        MetricPoint Single(IReadOnlyList<MetricSnapshot> snapshot, string instrument, params (string Key, string Value)[] tags)
        {
            var expected = new Dictionary<string, object?>
            {
                ["pipeline.name"] = pipeline,
                ["pipeline.instance"] = BreakerScript.InstanceName,
                ["strategy.name"] = BreakerScript.StrategyName,
            };
            foreach (var (key, value) in tags)
            {
                expected[key] = value;
            }

            var points = metrics.Points(snapshot, MeterName, instrument);
            return Assert.Single(points, point => point.Tags.Count == expected.Count && expected.All(tag => Equals(point.Tags.GetValueOrDefault(tag.Key), tag.Value))).Point;
        }
    }

    [Fact]
    public async Task The_one_liner_alone_registers_the_registry_and_subscribes_to_both_meters()
    {
        const string pipeline = "otel-one-liner";
        var metrics = new ExportedMetrics(pipeline);
        var services = new ServiceCollection();
        metrics.AddTo(services); // AddSlowCallCircuitBreakerInstrumentation(), nothing else
        services.AddResiliencePipeline(pipeline, builder => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1 }));
        await using var provider = services.BuildServiceProvider();
        metrics.Start(provider);

        var breaker = provider.GetRequiredService<Polly.Registry.ResiliencePipelineProvider<string>>().GetPipeline(pipeline);
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));

        var exported = metrics.Collect();
        Assert.Equal(1, Assert.Single(metrics.Points(exported, MeterName, State)).Point.GetGaugeLastValueDouble());
        Assert.Contains(metrics.Points(exported, PollyMeterName, PollyStrategyEvents), point => Equals(point.Tags["event.name"], "OnCircuitOpened"));
        Assert.Single(provider.GetRequiredService<SlowCallCircuitBreakerRegistry>().GetBreakers());
    }

    private static long BucketCount(MetricPoint point, double upperBound)
    {
        foreach (var bucket in point.GetHistogramBuckets())
        {
            if (bucket.ExplicitBound == upperBound)
            {
                return bucket.BucketCount;
            }
        }

        throw new InvalidOperationException($"No bucket ends at {upperBound}.");
    }
}
