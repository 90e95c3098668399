using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Semantics rule 6 when no callback of the user's listens but an internal observer does (the extensions' metrics and
/// logs subscribe to StateChanged): transitions then go through the queue and are raised synchronously under a plain
/// lock, and must still be reported in transition order, before the causing call returns, without a manual transition
/// waiting for another flow's listener.
/// </summary>
public class ObservedTelemetryOnlyEventsTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);

    [Fact]
    public void The_observer_hears_of_each_transition_before_the_call_that_caused_it_returns()
    {
        var (breaker, observed) = ObservedBreaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: Break));

        breaker.Fail();
        Assert.Equal([CircuitState.Open], observed);
        Assert.Single(breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitOpened));

        breaker.Advance(Break);
        breaker.Succeed();
        Assert.Equal([CircuitState.Open, CircuitState.HalfOpen, CircuitState.Closed], observed);
    }

    [Fact]
    public async Task A_manual_transition_does_not_wait_for_another_flow_reporting_and_is_reported_after_it()
    {
        using var reporting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, breakDuration: Break);
        options.ManualControl = control;
        var (breaker, observed) = ObservedBreaker(options);
        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnCircuitOpened && !reporting.IsSet)
            {
                reporting.Set();
                release.Wait(TimeSpan.FromSeconds(30)); // a listener that waits for work which isolates the breaker (W2)
            }
        };

        var opening = Task.Run(() => breaker.Fail());
        Assert.True(reporting.Wait(TimeSpan.FromSeconds(30)));
        await Task.Run(() => control.IsolateAsync()).WaitAsync(TimeSpan.FromSeconds(30)); // would deadlock if it waited for the listener
        Assert.Empty(observed); // the opening's observers have not run yet, so the isolation's must not either
        release.Set();
        await opening;

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([CircuitState.Open, CircuitState.Isolated], observed);
    }

    [Fact]
    public void A_listener_that_isolates_the_breaker_is_followed_by_the_isolation_s_events_not_preceded()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, breakDuration: Break);
        options.ManualControl = control;
        var (breaker, observed) = ObservedBreaker(options);
        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnCircuitOpened && breaker.State == CircuitState.Open)
            {
                control.IsolateAsync().GetAwaiter().GetResult(); // on the raising flow, before the opening's observers ran
            }
        };

        breaker.Fail();

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([CircuitState.Open, CircuitState.Isolated], observed);
    }

    /// <summary>A breaker with no callback of the test's, and an internal observer recording the states it hears of.</summary>
    private static (Breaker Breaker, List<CircuitState> Observed) ObservedBreaker(SlowCallCircuitBreakerStrategyOptions<int> options)
    {
        var breaker = new Breaker(options, recordTransitions: false);
        var handle = (SlowCallCircuitBreakerHandle)Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(Assert.Single(breaker.Telemetry.Named("OnSlowCallCircuitBreakerCreated")).Arguments).Breaker;
        var observed = new List<CircuitState>();
        handle.StateChanged += args =>
        {
            lock (observed)
            {
                observed.Add(args.NewState);
            }
        };
        return (breaker, observed);
    }
}
