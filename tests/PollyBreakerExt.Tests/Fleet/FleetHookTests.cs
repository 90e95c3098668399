using Polly.Registry;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Fleet;

/// <summary>DESIGN W1: the core's fleet hook. The breaker tells its fleet of its transitions and asks it before probing; the fleet moves it.</summary>
public class FleetHookTests
{
    private static (Breaker Breaker, RecordingFleet Fleet, CircuitBreakerFleetMember Member) FleetBreaker(int successThreshold = 2)
    {
        var fleet = new RecordingFleet();
        var options = NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(30), successThreshold: successThreshold);
        options.Name = "payments";
        options.Fleet = fleet;
        options.OnOpened = _ =>
        {
            fleet.Order.Add("OnOpened");
            return default;
        };
        var breaker = new Breaker(options);
        return (breaker, fleet, Assert.Single(fleet.Members));
    }

    [Fact]
    public void A_breaker_built_with_a_fleet_joins_it_under_its_name()
    {
        var (_, _, member) = FleetBreaker(successThreshold: 3);

        Assert.Equal("payments", member.Key);
        Assert.Equal("payments", member.Breaker.Name);
        Assert.Equal(3, member.SuccessThreshold);
        Assert.Same(member, member.Breaker.FleetMember);
    }

    [Fact]
    public void The_fleet_hears_a_trip_before_the_users_callbacks_run()
    {
        var (breaker, fleet, _) = FleetBreaker();

        breaker.Fail();

        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold)], fleet.Transitions);
        Assert.Equal(["fleet", "OnOpened"], fleet.Order);
    }

    [Fact]
    public void Closed_calls_and_rejections_within_the_break_never_reach_the_fleet()
    {
        var (breaker, fleet, _) = FleetBreaker();
        for (var i = 0; i < 1000; i++)
        {
            breaker.Succeed();
        }

        breaker.Fail();
        for (var i = 0; i < 1000; i++)
        {
            Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        }

        Assert.Single(fleet.Transitions);
        Assert.Equal(0, fleet.ProbeQuestions);
    }

    [Fact]
    public async Task The_fleet_opens_a_closed_breaker_for_the_break_that_remains()
    {
        var (breaker, _, member) = FleetBreaker();

        await member.OpenAsync(TimeSpan.FromSeconds(12));

        Assert.Equal(CircuitState.Open, breaker.State);
        var transition = Assert.Single(breaker.Transitions);
        Assert.Equal((CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.Fleet, TimeSpan.FromSeconds(12)), (transition.PreviousState, transition.NewState, transition.Reason, transition.BreakDuration));
        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        Assert.Equal(TimeSpan.FromSeconds(12), rejection.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(12), member.Breaker.RetryAfter);
    }

    [Fact]
    public async Task A_fleet_opening_keeps_the_later_end_of_a_breaker_already_open()
    {
        var (breaker, _, member) = FleetBreaker();
        breaker.Fail();

        await member.OpenAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(30), member.Breaker.RetryAfter);

        await member.OpenAsync(TimeSpan.FromSeconds(50));
        Assert.Equal(TimeSpan.FromSeconds(50), member.Breaker.RetryAfter);
        Assert.Single(breaker.Transitions);
    }

    [Fact]
    public async Task The_fleet_neither_opens_nor_closes_an_isolated_breaker()
    {
        var (breaker, _, member) = FleetBreaker();
        await member.Breaker.IsolateAsync();

        await member.OpenAsync(TimeSpan.FromSeconds(5));
        await member.CloseAsync();

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Isolated, CircuitTransitionReason.Manual)], breaker.TransitionSummary());
    }

    [Fact]
    public async Task The_fleet_closes_an_open_breaker_and_clears_its_window()
    {
        var (breaker, _, member) = FleetBreaker();
        breaker.Fail();

        await member.CloseAsync();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.Calls);
        Assert.Equal(CircuitTransitionReason.Fleet, breaker.Transitions[^1].Reason);
        Assert.Equal(42, breaker.Succeed().Result);
    }

    [Fact]
    public async Task A_fleet_close_leaves_a_closed_breaker_and_its_window_alone()
    {
        var (breaker, _, member) = FleetBreaker();
        breaker.Succeed();

        await member.CloseAsync();

        Assert.Empty(breaker.Transitions);
        Assert.Equal(1, breaker.Metrics.Calls);
    }

    [Fact]
    public void When_the_break_ends_the_breaker_asks_the_fleet_and_waits_as_long_as_it_says()
    {
        var (breaker, fleet, _) = FleetBreaker();
        breaker.Fail();
        fleet.ProbeWait = TimeSpan.FromSeconds(7);
        breaker.Advance(TimeSpan.FromSeconds(30));

        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        Assert.Equal(TimeSpan.FromSeconds(7), rejection.RetryAfter);
        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        Assert.Equal(1, fleet.ProbeQuestions); // the second rejection is within the extended break

        fleet.ProbeWait = null;
        breaker.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(2, fleet.ProbeQuestions);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public async Task A_breaker_waiting_for_the_fleet_takes_the_fleets_new_break_even_a_shorter_one()
    {
        // #20 B3: another replica's probe failed and the fleet reopened for 300 ms; this breaker was told to wait 30 s.
        var (breaker, fleet, member) = FleetBreaker();
        breaker.Fail();
        fleet.ProbeWait = TimeSpan.FromSeconds(30);
        breaker.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        await member.OpenAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(TimeSpan.FromMilliseconds(300), member.Breaker.RetryAfter);

        // Only the wait is replaced: the new end is the breaker's own now, and a later, shorter one does not cut it.
        await member.OpenAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(300), member.Breaker.RetryAfter);

        fleet.ProbeWait = null;
        breaker.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Single(breaker.Transitions, transition => transition.NewState == CircuitState.Open);
    }

    [Fact]
    public void A_fleet_that_throws_when_asked_to_probe_is_reported_and_the_breaker_probes_and_closes_alone()
    {
        var (breaker, fleet, _) = FleetBreaker(successThreshold: 1);
        breaker.Fail();
        fleet.ProbeFailure = new InvalidOperationException("fleet is broken");
        breaker.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(42, breaker.Succeed().Result);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(1, fleet.ProbeQuestions);
        var failure = Assert.Single(breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed));
        Assert.Equal("fleet is broken", Assert.IsType<InvalidOperationException>(failure.Exception).Message);
    }

    [Fact]
    public async Task Moves_by_the_fleet_with_a_cancelled_token_change_nothing()
    {
        var (breaker, _, member) = FleetBreaker();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => member.OpenAsync(TimeSpan.FromSeconds(1), cancelled.Token));
        breaker.Fail();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => member.CloseAsync(cancelled.Token));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void A_breaker_joins_one_fleet_only()
    {
        var (_, fleet, member) = FleetBreaker();

        Assert.False(member.Breaker.JoinFleet(new RecordingFleet(), "other"));
        Assert.Throws<ArgumentException>(() => member.Breaker.JoinFleet(fleet, " "));
        Assert.Single(fleet.Members);
    }

    [Fact]
    public async Task A_breaker_without_a_fleet_joins_one_later_under_the_key_it_is_given_and_leaves_it_when_disposed()
    {
        var fleet = new RecordingFleet();
        var listener = new RecordingTelemetryListener();
        var registry = new ResiliencePipelineRegistry<string>(new() { BuilderFactory = () => new ResiliencePipelineBuilder { TelemetryListener = listener } });
        registry.GetOrAddPipeline("orders", b => b.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { Name = "cb" }));
        var handle = Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(Assert.Single(listener.Named("OnSlowCallCircuitBreakerCreated")).Arguments).Breaker;
        Assert.Null(handle.FleetMember);

        Assert.True(handle.JoinFleet(fleet, "orders/cb"));
        await registry.DisposeAsync();

        var member = Assert.Single(fleet.Members);
        Assert.Equal("orders/cb", member.Key);
        Assert.Same(member, Assert.Single(fleet.Left));
        Assert.False(handle.JoinFleet(new RecordingFleet(), "again"));
    }
}
