using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// DESIGN W7: a pipeline's TelemetryListener that throws never leaks a half-open permit or a running call's slot, never
/// counts a call that did not run, and never wedges the breaker.
/// </summary>
public class ThrowingTelemetryListenerTests
{
    private static readonly string[] TransitionEvents =
    [
        SlowCallCircuitBreakerConstants.OnCircuitOpened,
        SlowCallCircuitBreakerConstants.OnCircuitHalfOpened,
        SlowCallCircuitBreakerConstants.OnCircuitClosed,
    ];

    [Fact]
    public void A_listener_that_throws_on_transitions_does_not_keep_a_healthy_dependency_out()
    {
        var breaker = new Breaker(NewOptions(
            failureThreshold: 2, breakDuration: TimeSpan.FromSeconds(1), successThreshold: 1, slowCallDurationThreshold: TimeSpan.FromMilliseconds(100)));
        breaker.Telemetry.ThrowsOn = new HashSet<string>(TransitionEvents);
        Call(breaker, fail: true);
        Call(breaker, fail: true);

        var ran = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(24); elapsed += TimeSpan.FromMilliseconds(600))
        {
            breaker.Advance(TimeSpan.FromMilliseconds(600));
            Call(breaker, fail: false, onRun: () => ran++);
        }

        Assert.True(ran > 30, $"the healthy dependency ran {ran} times in 40 calls");
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.SlowCalls);
        Assert.DoesNotContain(breaker.TransitionSummary(), t => t.Reason == CircuitTransitionReason.HalfOpenProbeSlow);
    }

    [Fact]
    public void A_probe_that_meets_the_listeners_exception_gives_its_permit_back_and_is_not_recorded()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(1), successThreshold: 1,
            slowCallDurationThreshold: TimeSpan.FromMilliseconds(100)));
        Call(breaker, fail: true);
        breaker.Advance(TimeSpan.FromSeconds(1));
        breaker.Telemetry.ThrowsOn = new HashSet<string> { SlowCallCircuitBreakerConstants.OnCircuitHalfOpened };
        var before = breaker.Metrics;

        var ran = false;
        var met = Assert.Throws<InvalidOperationException>(() => Run(breaker, fail: false, onRun: () => ran = true));

        Assert.Equal("listener fails on OnCircuitHalfOpened", met.Message);
        Assert.False(ran);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(before, breaker.Metrics);
        breaker.Advance(TimeSpan.FromMilliseconds(500)); // past the slow-call threshold: the probe that never ran is not a hung call
        Assert.Equal(before.SlowCalls, breaker.Metrics.SlowCalls);
        breaker.Telemetry.ThrowsOn = new HashSet<string>();
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void A_listener_that_throws_on_a_slow_call_loses_neither_the_record_nor_the_running_slot()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 5, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 1,
            slowCallRatio: 1.0));
        breaker.Telemetry.ThrowsOn = new HashSet<string> { SlowCallCircuitBreakerConstants.OnSlowCall };
        breaker.Succeed(TimeSpan.FromMilliseconds(10));
        breaker.Succeed(TimeSpan.FromSeconds(2)); // slow: the listener throws on its OnSlowCall

        Assert.Equal(new CircuitMetrics(2, 0, 1, 0, 0.5), breaker.Metrics);
        breaker.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new CircuitMetrics(0, 0, 0, 0, 0), breaker.Metrics);
        breaker.Succeed();
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private static void Call(Breaker breaker, bool fail, Action? onRun = null)
    {
        try
        {
            Run(breaker, fail, onRun);
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("listener fails", StringComparison.Ordinal))
        {
            // the caller may meet the listener's exception (Polly does the same); the breaker must not depend on it
        }
    }

    private static void Run(Breaker breaker, bool fail, Action? onRun)
        => breaker.RunAsync(_ =>
        {
            onRun?.Invoke();
            return fail
                ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))
                : Outcome.FromResultAsValueTask(42);
        }).AsTask().GetAwaiter().GetResult();
}
