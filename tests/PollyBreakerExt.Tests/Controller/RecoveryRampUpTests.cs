using Xunit.Abstractions;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Issue 22: with RecoveryRampUp, a breaker that closed from half-open admits a share of calls that rises linearly from the
/// share the half-open let through to all of them, rejecting the rest at once; fair and deterministic on a fake clock.
/// </summary>
public class RecoveryRampUpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ramp = TimeSpan.FromSeconds(100);

    [Fact]
    public void The_admitted_share_follows_the_line_from_the_probes_share_to_every_call()
    {
        var breaker = RecoveredFromOneProbeInFour();

        for (var point = 0; point < 10; point++)
        {
            var target = 0.25 + (0.75 * point / 10);
            var admitted = Enumerable.Range(0, 100).Count(_ => breaker.Succeed().Exception is null);
            output.WriteLine($"ramp at {point * 10,2} s: admitted {admitted,3} of 100, target {target * 100:0.0}");
            Assert.InRange(admitted, (target * 100) - 1, (target * 100) + 1);
            breaker.Advance(Ramp / 10);
        }

        Assert.Equal(100, Enumerable.Range(0, 100).Count(_ => breaker.Succeed().Exception is null)); // the ramp is over
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void A_call_the_ramp_rejects_gets_the_time_left_in_the_ramp_and_a_rejection_event_that_says_so()
    {
        var breaker = RecoveredFromOneProbeInFour();
        breaker.Advance(TimeSpan.FromSeconds(40));

        var rejection = Enumerable.Range(0, 4).Select(_ => breaker.Succeed().Exception).OfType<BrokenCircuitException>().First();

        Assert.Equal(TimeSpan.FromSeconds(60), rejection.RetryAfter);
        Assert.Contains("rising share", rejection.Message, StringComparison.Ordinal);
        var rejected = (OnCircuitRejectedArguments)breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitRejected)[^1].Arguments!;
        Assert.True(rejected.IsRecoveryRamp);
        Assert.False(rejected.IsShadow); // rejected for real: the call did not run
        Assert.Equal(CircuitState.Closed, rejected.State);
        Assert.Equal(TimeSpan.FromSeconds(60), rejected.RetryAfter);
    }

    [Fact]
    public void The_trip_rules_hold_during_the_ramp()
    {
        var breaker = RecoveredFromOneProbeInFour();
        breaker.Advance(TimeSpan.FromSeconds(50));

        var failed = Enumerable.Range(0, 4).Select(_ => breaker.Fail().Exception).OfType<InvalidOperationException>().Count();

        Assert.Equal(1, failed); // FailureThreshold = 1: the first failure the ramp lets through opens the circuit
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal((CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold), breaker.TransitionSummary()[^1]);
    }

    [Fact]
    public async Task A_manual_close_does_not_ramp_and_without_the_option_nothing_does()
    {
        var ramped = RecoveredFromOneProbeInFour();
        await ramped.Options.ManualControl!.CloseAsync();
        Assert.Equal(20, Enumerable.Range(0, 20).Count(_ => ramped.Succeed().Exception is null));

        var plain = RecoveredFromOneProbeInFour(ramps: false);
        Assert.Equal(20, Enumerable.Range(0, 20).Count(_ => plain.Succeed().Exception is null));
    }

    [Fact]
    public void A_half_open_that_rejected_nothing_leaves_nothing_to_ramp()
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(10), minimumThroughput: 1000);
        options.RecoveryRampUp = Ramp;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(); // the probe closes; no call waited

        Assert.Equal(20, Enumerable.Range(0, 20).Count(_ => breaker.Succeed().Exception is null));
    }

    [Fact]
    public void In_shadow_mode_the_ramp_only_reports_the_calls_it_would_reject()
    {
        var breaker = RecoveredFromOneProbeInFour(shadowMode: true);
        var before = breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitRejected).Count;

        Assert.Equal(8, Enumerable.Range(0, 8).Count(_ => breaker.Succeed().Exception is null)); // every call runs

        var reported = breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitRejected).Skip(before)
            .Select(e => (OnCircuitRejectedArguments)e.Arguments!).ToList();
        Assert.Equal(6, reported.Count); // at a share of 1/4, six of the eight would have been rejected
        Assert.All(reported, rejected => Assert.True(rejected.IsShadow && rejected.IsRecoveryRamp));
    }

    /// <summary>Opens, lets one probe through while three calls are rejected (a share of 1/4), and closes with that probe.</summary>
    private static Breaker RecoveredFromOneProbeInFour(bool ramps = true, bool shadowMode = false)
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(10), minimumThroughput: 1000);
        options.RecoveryRampUp = ramps ? Ramp : null;
        options.ShadowMode = shadowMode;
        options.ManualControl = new SlowCallCircuitBreakerManualControl();
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(10));
        var release = new TaskCompletionSource<Outcome<int>>();
        var probe = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();
        for (var call = 0; call < 3; call++)
        {
            var outcome = breaker.Succeed(); // rejected; in shadow mode it runs, unrecorded
            Assert.Equal(shadowMode, outcome.Exception is null);
        }

        release.SetResult(Outcome.FromResult(1));
        Assert.Equal(1, probe.GetAwaiter().GetResult().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
        return breaker;
    }
}
