using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// Polly's own meter, through the real OpenTelemetry SDK: the breaker's telemetry events show in
/// <c>resilience.polly.strategy.events</c> with Polly's pipeline, instance and strategy tags.
/// </summary>
[Collection(OpenTelemetrySdkGroup.Name)]
public sealed class PollyMeterTests
{
    [Fact]
    public async Task Every_event_of_a_trip_and_recovery_is_counted_with_the_pipeline_instance_strategy_and_event_names()
    {
        var metrics = new ExportedMetrics(nameof(Every_event_of_a_trip_and_recovery_is_counted_with_the_pipeline_instance_strategy_and_event_names));
        await using var script = new BreakerScript(
            nameof(Every_event_of_a_trip_and_recovery_is_counted_with_the_pipeline_instance_strategy_and_event_names),
            metrics.AddTo);
        metrics.Start(script.Services);

        script.Trip();                              // one slow call, then open
        script.Reject<BrokenCircuitException>();
        script.Reject<BrokenCircuitException>();
        script.Recover(TimeSpan.Zero);              // half-open, then closed

        var events = metrics.Points(metrics.Collect(), PollyMeterName, PollyStrategyEvents)
            .Where(point => Equals(point.Tags.GetValueOrDefault("strategy.name"), BreakerScript.StrategyName))
            .ToList();
        Assert.All(events, point =>
        {
            Assert.Equal(script.PipelineName, point.Tags["pipeline.name"]);
            Assert.Equal(BreakerScript.InstanceName, point.Tags["pipeline.instance"]);
        });
        var counts = events
            .GroupBy(point => (string)point.Tags["event.name"]!)
            .ToDictionary(group => group.Key, group => group.Sum(point => point.Point.GetSumLong()));
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["OnSlowCallCircuitBreakerCreated"] = 1, // how the registry hears of the breaker
                ["OnSlowCall"] = 1,
                ["OnCircuitOpened"] = 1,
                ["OnCircuitRejected"] = 2,
                ["OnCircuitHalfOpened"] = 1,
                ["OnCircuitClosed"] = 1,
            },
            counts);
        Assert.Equal(
            ["Debug", "Error", "Information", "Warning"],
            events.Select(point => (string)point.Tags["event.severity"]!).Distinct().Order());
    }
}
