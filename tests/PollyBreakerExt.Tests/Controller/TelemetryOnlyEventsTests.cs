using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Semantics rule 6 when only telemetry listens (no callback, no StateChanged handler): transitions are then raised on the
/// flow that caused them, without the queue and the gate (issue #19), and must still be reported in transition order,
/// outside the lock, before the causing call returns.
/// </summary>
public class TelemetryOnlyEventsTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);

    private static List<string> TransitionEvents(Breaker breaker)
        => breaker.Telemetry.Events
            .Where(e => e.Name is SlowCallCircuitBreakerConstants.OnCircuitOpened or SlowCallCircuitBreakerConstants.OnCircuitHalfOpened or SlowCallCircuitBreakerConstants.OnCircuitClosed)
            .Select(e => e.Name == SlowCallCircuitBreakerConstants.OnCircuitOpened && e.Arguments is OnCircuitOpenedArguments<int> { IsManual: true } ? "Isolated" : e.Name)
            .ToList();

    [Fact]
    public void Each_transition_is_reported_before_the_call_that_caused_it_returns()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: Break), recordTransitions: false);

        breaker.Fail();
        Assert.Equal([SlowCallCircuitBreakerConstants.OnCircuitOpened], TransitionEvents(breaker));

        breaker.Advance(Break);
        breaker.Succeed();
        Assert.Equal([SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened, SlowCallCircuitBreakerConstants.OnCircuitClosed], TransitionEvents(breaker));
    }

    [Fact]
    public void A_listener_that_isolates_the_breaker_sees_its_event_after_the_one_it_is_handling()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, breakDuration: Break);
        options.ManualControl = control;
        var breaker = new Breaker(options, recordTransitions: false);
        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnCircuitOpened && breaker.State == CircuitState.Open)
            {
                control.IsolateAsync().GetAwaiter().GetResult(); // on the raising flow: must neither deadlock nor jump the queue
            }
        };

        breaker.Fail();

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([SlowCallCircuitBreakerConstants.OnCircuitOpened, "Isolated"], TransitionEvents(breaker));
    }

    [Fact]
    public async Task A_transition_made_while_another_flow_reports_one_waits_for_it_and_follows_it()
    {
        using var reporting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: Break), recordTransitions: false);
        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnCircuitOpened)
            {
                reporting.Set();
                release.Wait(TimeSpan.FromSeconds(30)); // a slow listener, on the flow that opened the breaker
            }
        };

        var opening = Task.Run(() => breaker.Fail());
        Assert.True(reporting.Wait(TimeSpan.FromSeconds(30)));
        breaker.Advance(Break);
        var probe = Task.Run(() => breaker.Succeed()); // half-opens and closes while the opening is still being reported
        var finishedEarly = await Task.WhenAny(probe, Task.Delay(200)) == probe;
        release.Set();
        await Task.WhenAll(opening, probe);

        Assert.False(finishedEarly, "the probe's call returned before the events of its transitions were reported");
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal([SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened, SlowCallCircuitBreakerConstants.OnCircuitClosed], TransitionEvents(breaker));
    }

    [Fact]
    public async Task A_manual_transition_does_not_wait_for_another_flow_reporting_and_is_reported_after_it()
    {
        using var reporting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, breakDuration: Break);
        options.ManualControl = control;
        var breaker = new Breaker(options, recordTransitions: false);
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
        await control.IsolateAsync().WaitAsync(TimeSpan.FromSeconds(30)); // would deadlock if it waited for the listener
        release.Set();
        await opening;

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([SlowCallCircuitBreakerConstants.OnCircuitOpened, "Isolated"], TransitionEvents(breaker));
    }

    [Fact]
    public async Task Concurrent_transitions_are_reported_in_transition_order()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromMilliseconds(1)), recordTransitions: false);

        await Task.WhenAll(Enumerable.Range(0, 64).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                breaker.Advance(TimeSpan.FromMilliseconds(1));
                await breaker.RunAsync(_ => (i + t) % 2 == 0
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException())
                    : Outcome.FromResultAsValueTask(1));
            }
        })));

        // An unbroken chain: opened, half-opened, then closed or opened again, and a close only ever followed by an opening.
        var events = TransitionEvents(breaker);
        Assert.NotEmpty(events);
        for (var i = 1; i < events.Count; i++)
        {
            var allowed = events[i - 1] == SlowCallCircuitBreakerConstants.OnCircuitHalfOpened
                ? new[] { SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitClosed }
                : events[i - 1] == SlowCallCircuitBreakerConstants.OnCircuitOpened ? [SlowCallCircuitBreakerConstants.OnCircuitHalfOpened] : [SlowCallCircuitBreakerConstants.OnCircuitOpened];
            Assert.True(allowed.Contains(events[i]), $"event {i}: {events[i]} after {events[i - 1]}");
        }
    }

    [Fact]
    public void The_opened_event_carries_the_break_duration()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, breakDuration: Break), recordTransitions: false);

        breaker.Fail();

        var opened = Assert.IsType<OnCircuitOpenedArguments<int>>(Assert.Single(breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitOpened)).Arguments);
        Assert.Equal(Break, opened.BreakDuration);
    }

    [Fact]
    public async Task A_listener_whose_own_call_trips_the_breaker_does_not_wait_for_itself()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: Break), recordTransitions: false);
        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnCircuitClosed)
            {
                breaker.Fail(); // on the flow reporting the close: its opening is reported after the close, by this flow
            }
        };
        breaker.Fail();
        breaker.Advance(Break);

        await Task.Run(() => breaker.Succeed()).WaitAsync(TimeSpan.FromSeconds(30)); // would spin for good if it waited for itself

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(
            [SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened, SlowCallCircuitBreakerConstants.OnCircuitClosed, SlowCallCircuitBreakerConstants.OnCircuitOpened],
            TransitionEvents(breaker));
    }
}
