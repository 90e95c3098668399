using Polly.Telemetry;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 6: callbacks run once per transition, in order, outside the lock, before the causing call returns.</summary>
public class CircuitEventDispatcherTests
{
    private static (Breaker Breaker, List<string> Log) LoggingBreaker(int failureThreshold = 1, int successThreshold = 1, Func<string, ValueTask>? extra = null)
    {
        var log = new List<string>();
        var options = NewOptions(failureThreshold: failureThreshold, successThreshold: successThreshold);

        async ValueTask Write(string entry)
        {
            lock (log)
            {
                log.Add(entry);
            }

            if (extra is not null)
            {
                await extra(entry);
            }
        }

        options.OnOpened = args => Write($"opened manual={args.IsManual} break={args.BreakDuration.TotalSeconds}");
        options.OnClosed = args => Write($"closed manual={args.IsManual}");
        options.OnHalfOpened = _ => Write("half-opened");
        options.OnStateChanged = args => Write($"changed {args.PreviousState}->{args.NewState} {args.Reason}");
        return (new Breaker(options), log);
    }

    [Fact]
    public void Each_transition_runs_its_callback_then_OnStateChanged_once_in_order()
    {
        var (breaker, log) = LoggingBreaker();

        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed();

        Assert.Equal(
            [
                "opened manual=False break=30",
                "changed Closed->Open FailureThreshold",
                "half-opened",
                "changed Open->HalfOpen BreakDurationElapsed",
                "closed manual=False",
                "changed HalfOpen->Closed HalfOpenSucceeded",
            ],
            log);
    }

    [Fact]
    public void OnOpened_receives_the_outcome_that_opened_the_circuit()
    {
        Outcome<int>? seen = null;
        var options = NewOptions(failureThreshold: 1);
        options.OnOpened = args =>
        {
            seen = args.Outcome;
            return default;
        };
        var breaker = new Breaker(options);

        breaker.Fail();

        Assert.Equal("boom", seen!.Value.Exception!.Message);
    }

    [Fact]
    public void OnClosed_receives_the_probe_outcome_that_closed_the_circuit()
    {
        Outcome<int>? seen = null;
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.OnClosed = args =>
        {
            seen = args.Outcome;
            return default;
        };
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        breaker.Succeed();

        Assert.Equal(42, seen!.Value.Result);
    }

    [Fact]
    public async Task OnStateChanged_names_the_breaker_and_carries_the_call_context()
    {
        var options = NewOptions(failureThreshold: 1);
        options.Name = "inventory";
        var breaker = new Breaker(options);
        ResilienceContext? callContext = null;

        await breaker.RunAsync(ctx =>
        {
            callContext = ctx;
            return Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException());
        });

        var change = Assert.Single(breaker.Transitions);
        Assert.Equal("inventory", change.BreakerName);
        Assert.Same(callContext, change.Context);
        Assert.Equal(TimeSpan.FromSeconds(30), change.BreakDuration);
    }

    [Fact]
    public async Task Asynchronous_callbacks_complete_before_the_causing_call_returns()
    {
        var finished = false;
        var options = NewOptions(failureThreshold: 1);
        options.OnOpened = async _ =>
        {
            await Task.Delay(20);
            finished = true;
        };
        var breaker = new Breaker(options);

        await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));

        Assert.True(finished);
    }

    [Fact]
    public async Task Callbacks_run_outside_the_lock_so_they_can_read_the_breaker_and_call_it()
    {
        Breaker? breaker = null;
        CircuitState? stateSeen = null;
        Outcome<int>? callFromCallback = null;
        var options = NewOptions(failureThreshold: 1);
        options.OnOpened = async _ =>
        {
            stateSeen = breaker!.State;
            callFromCallback = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));
        };
        breaker = new Breaker(options);

        await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));

        Assert.Equal(CircuitState.Open, stateSeen);
        Assert.IsType<BrokenCircuitException>(callFromCallback!.Value.Exception);
    }

    [Fact]
    public async Task A_callback_may_isolate_the_breaker_without_deadlocking()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = async args =>
        {
            if (!args.IsManual)
            {
                await control.IsolateAsync();
            }
        };
        var breaker = new Breaker(options);

        var call = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException())).AsTask();

        Assert.Same(call, await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold), (CircuitState.Open, CircuitState.Isolated, CircuitTransitionReason.Manual)],
            breaker.TransitionSummary());
    }

    [Fact]
    public void A_throwing_callback_changes_neither_state_nor_outcome_and_is_reported()
    {
        var options = NewOptions(failureThreshold: 1);
        options.OnOpened = _ => throw new InvalidOperationException("listener bug");
        var breaker = new Breaker(options);

        var outcome = breaker.Fail();

        Assert.Equal("boom", outcome.Exception!.Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Single(breaker.Transitions); // OnStateChanged still ran
        var reported = Assert.Single(breaker.Telemetry.Named("OnCircuitCallbackFailed"));
        Assert.Equal(ResilienceEventSeverity.Error, reported.Severity);
        Assert.Equal("listener bug", reported.Exception!.Message);
    }

    [Fact]
    public void A_throwing_OnStateChanged_does_not_replace_a_successful_result()
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.OnStateChanged = _ => throw new InvalidOperationException("listener bug");
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        var outcome = breaker.Succeed();

        Assert.Equal(42, outcome.Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(3, breaker.Telemetry.Named("OnCircuitCallbackFailed").Count);
    }

    [Fact]
    public async Task An_asynchronously_faulting_callback_is_isolated_too()
    {
        var options = NewOptions(failureThreshold: 1);
        options.OnOpened = async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async listener bug");
        };
        var breaker = new Breaker(options);

        var outcome = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("call")));

        Assert.Equal("call", outcome.Exception!.Message);
        Assert.Single(breaker.Telemetry.Named("OnCircuitCallbackFailed"));
    }

    [Fact]
    public async Task Concurrent_transitions_run_their_callbacks_one_at_a_time_in_transition_order()
    {
        var inCallback = 0;
        var overlapped = false;
        var options = NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromMilliseconds(1));
        options.OnStateChanged = async _ =>
        {
            if (Interlocked.Increment(ref inCallback) > 1)
            {
                overlapped = true;
            }

            await Task.Yield();
            Interlocked.Decrement(ref inCallback);
        };
        var breaker = new Breaker(options);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            breaker.Advance(TimeSpan.FromMilliseconds(1));
            await breaker.RunAsync(_ => i % 2 == 0
                ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException())
                : Outcome.FromResultAsValueTask(1));
        })));

        Assert.False(overlapped);
        var transitions = breaker.TransitionSummary();
        Assert.NotEmpty(transitions);
        for (var i = 1; i < transitions.Count; i++)
        {
            Assert.Equal(transitions[i - 1].To, transitions[i].From); // an unbroken chain: nothing reordered or lost
        }
    }

    [Fact]
    public void A_throwing_internal_observer_is_isolated_like_a_callback()
    {
        var options = NewOptions(failureThreshold: 1);
        var breaker = new Breaker(options);
        var controller = (SlowCallCircuitBreakerHandle)Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(Assert.Single(breaker.Telemetry.Named("OnSlowCallCircuitBreakerCreated")).Arguments).Breaker;
        controller.StateChanged += _ => throw new InvalidOperationException("observer bug");

        var outcome = breaker.Fail();

        Assert.Equal("boom", outcome.Exception!.Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal("observer bug", Assert.Single(breaker.Telemetry.Named("OnCircuitCallbackFailed")).Exception!.Message);
    }

    [Fact]
    public void A_throwing_fleet_is_isolated_like_a_callback()
    {
        var options = NewOptions(failureThreshold: 1);
        options.Fleet = new ThrowingFleet();
        var breaker = new Breaker(options);

        var outcome = breaker.Fail();

        Assert.Equal("boom", outcome.Exception!.Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Single(breaker.Transitions); // the callbacks still ran
        Assert.Equal("fleet bug", Assert.Single(breaker.Telemetry.Named("OnCircuitCallbackFailed")).Exception!.Message);
    }

    [Fact]
    public void Dispatching_once_every_transition_was_raised_costs_nothing()
    {
        var options = NewOptions();
        options.OnStateChanged = _ => default;
        var dispatcher = new CircuitEventDispatcher<int>("breaker", PollyTelemetryTests.TelemetryOf(new ResiliencePipelineBuilder { TelemetryListener = new RecordingTelemetryListener() }), options);
        var context = ResilienceContextPool.Shared.Get();
        dispatcher.Enqueue(new(context, CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold, TimeSpan.FromSeconds(30), Outcome.FromResult(0)));
        Assert.True(dispatcher.DispatchAsync(context).AsTask().IsCompletedSuccessfully);

        Assert.Equal(0, Allocations.LeastOf(() => Assert.True(dispatcher.DispatchAsync(context).AsTask().IsCompletedSuccessfully)));
        ResilienceContextPool.Shared.Return(context);
    }

    private sealed class ThrowingFleet : ICircuitBreakerFleet
    {
        public void Join(CircuitBreakerFleetMember member)
        {
        }

        public void Leave(CircuitBreakerFleetMember member)
        {
        }

        public void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args) => throw new InvalidOperationException("fleet bug");

        public bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }
}
