using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>W2: in shadow mode the breaker does everything as usual but reject: calls it would reject run, unrecorded.</summary>
public class ShadowModeTests
{
    private static Breaker ShadowBreaker(SlowCallCircuitBreakerManualControl? control = null)
    {
        var options = NewOptions(failureThreshold: 2, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(30));
        options.ShadowMode = true;
        options.ManualControl = control;
        return new Breaker(options);
    }

    [Fact]
    public void Is_off_by_default()
        => Assert.False(new SlowCallCircuitBreakerStrategyOptions<int>().ShadowMode);

    [Fact]
    public void An_open_breaker_in_shadow_runs_the_call_it_would_reject_without_recording_it()
    {
        var breaker = ShadowBreaker();
        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);
        var metrics = breaker.Metrics;

        var outcome = breaker.Fail();

        Assert.Equal("boom", outcome.Exception!.Message); // it ran
        Assert.Equal(metrics, breaker.Metrics); // not recorded
        var rejected = Assert.IsType<OnCircuitRejectedArguments>(Assert.Single(breaker.Telemetry.Named("OnCircuitRejected")).Arguments);
        Assert.True(rejected.IsShadow);
        Assert.Equal(CircuitState.Open, rejected.State);
        Assert.Equal(TimeSpan.FromSeconds(30), rejected.RetryAfter);
    }

    [Fact]
    public void Transitions_callbacks_and_telemetry_happen_as_they_would()
    {
        var breaker = ShadowBreaker();
        breaker.Fail();
        breaker.Fail();
        breaker.Succeed();
        breaker.Advance(TimeSpan.FromSeconds(30));

        breaker.Succeed(); // the probe

        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
                (CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed),
                (CircuitState.HalfOpen, CircuitState.Closed, CircuitTransitionReason.HalfOpenSucceeded),
            ],
            breaker.TransitionSummary());
        Assert.Single(breaker.Telemetry.Named("OnCircuitOpened"));
        Assert.Single(breaker.Telemetry.Named("OnCircuitHalfOpened"));
        Assert.Single(breaker.Telemetry.Named("OnCircuitClosed"));
    }

    [Fact]
    public async Task Half_open_calls_beyond_the_probe_cap_run_as_shadow_and_decide_nothing()
    {
        var breaker = ShadowBreaker();
        breaker.Fail();
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();

        Assert.Equal("boom", breaker.Fail().Exception!.Message); // would be rejected: runs, does not reopen
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(Assert.IsType<OnCircuitRejectedArguments>(Assert.Single(breaker.Telemetry.Named("OnCircuitRejected")).Arguments).IsShadow);

        release.SetResult(Outcome.FromResult(1));
        await probe;
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task An_isolated_breaker_in_shadow_runs_calls_too()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = ShadowBreaker(control);
        await control.IsolateAsync();

        Assert.Equal(42, breaker.Succeed().Result);

        Assert.Equal(CircuitState.Isolated, breaker.State);
        var rejected = Assert.IsType<OnCircuitRejectedArguments>(Assert.Single(breaker.Telemetry.Named("OnCircuitRejected")).Arguments);
        Assert.True(rejected.IsShadow);
        Assert.Null(rejected.RetryAfter);
    }

    [Fact]
    public async Task An_admission_that_trips_on_hung_calls_in_shadow_opens_the_breaker_and_runs()
    {
        var options = NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 2);
        options.ShadowMode = true;
        options.BreakDurationGenerator = _ => new(TimeSpan.FromSeconds(7));
        var breaker = new Breaker(options);
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = Enumerable.Range(0, 2).Select(_ => breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask()).ToList();
        breaker.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(42, breaker.Succeed().Result);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(breaker.Transitions).BreakDuration);
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
    }

    [Fact]
    public void A_breaker_that_enforces_reports_its_rejections_as_not_shadow()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));
        breaker.Fail();

        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.False(Assert.IsType<OnCircuitRejectedArguments>(Assert.Single(breaker.Telemetry.Named("OnCircuitRejected")).Arguments).IsShadow);
    }
}
