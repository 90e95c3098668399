using Polly.Telemetry;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 7: transitions, rejections and slow calls reach Polly's telemetry with Polly's names and severities.</summary>
public class TelemetryTests
{
    [Fact]
    public void Transitions_use_Polly_names_and_severities()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1));

        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed();

        var transitions = breaker.Telemetry.Events
            .Where(e => e.Name is "OnCircuitOpened" or "OnCircuitClosed" or "OnCircuitHalfOpened")
            .Select(e => (e.Name, e.Severity))
            .ToList();
        Assert.Equal(
            [
                ("OnCircuitOpened", ResilienceEventSeverity.Error),
                ("OnCircuitHalfOpened", ResilienceEventSeverity.Warning),
                ("OnCircuitClosed", ResilienceEventSeverity.Information),
            ],
            transitions);
    }

    [Fact]
    public void Events_carry_the_pipeline_and_strategy_names()
    {
        var options = NewOptions(failureThreshold: 1);
        options.Name = "payment-api";
        var breaker = new Breaker(options);

        breaker.Fail();

        var opened = Assert.Single(breaker.Telemetry.Named("OnCircuitOpened"));
        Assert.Equal("test-pipeline", opened.Source.PipelineName);
        Assert.Equal("payment-api", opened.Source.StrategyName);
        Assert.IsType<OnCircuitOpenedArguments<int>>(opened.Arguments);
        Assert.Equal("boom", opened.Exception!.Message);
    }

    [Fact]
    public void The_opening_event_is_reported_once_per_opening()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        breaker.Fail();
        breaker.Fail();
        breaker.Fail();

        Assert.Single(breaker.Telemetry.Named("OnCircuitOpened"));
        Assert.Equal(2, breaker.Telemetry.Named("OnCircuitRejected").Count);
    }

    [Fact]
    public void A_successful_closed_call_reports_nothing()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 10));

        breaker.Succeed();

        Assert.Equal(["OnSlowCallCircuitBreakerCreated"], breaker.Telemetry.Events.Where(e => e.Source.StrategyName == "SlowCallCircuitBreaker").Select(e => e.Name));
    }

    [Fact]
    public void Creating_a_breaker_announces_it_once()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        var created = Assert.Single(breaker.Telemetry.Named("OnSlowCallCircuitBreakerCreated"));

        Assert.Equal(ResilienceEventSeverity.Debug, created.Severity);
        Assert.Equal("SlowCallCircuitBreaker", Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(created.Arguments).Breaker.Name);
    }

    [Fact]
    public void Rejections_tag_their_exception_with_the_telemetry_source()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));
        breaker.Fail();

        var exception = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Equal("test-pipeline", exception.TelemetrySource!.PipelineName);
    }
}
