using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests;

/// <summary>Semantics rule 5: isolate until closed by hand; closing clears the window.</summary>
public class SlowCallCircuitBreakerManualControlTests
{
    private static Breaker WithControl(SlowCallCircuitBreakerManualControl control, int failureThreshold = 3)
    {
        var options = NewOptions(failureThreshold: failureThreshold);
        options.ManualControl = control;
        return new Breaker(options);
    }

    [Fact]
    public async Task Isolate_rejects_every_call_with_IsolatedCircuitException()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control);

        await control.IsolateAsync();

        Assert.Equal(CircuitState.Isolated, breaker.State);
        var exception = Assert.IsType<IsolatedCircuitException>(breaker.Succeed().Exception);
        Assert.Contains("isolated", exception.Message, StringComparison.Ordinal);
        breaker.Advance(TimeSpan.FromDays(2));
        Assert.IsType<IsolatedCircuitException>(breaker.Succeed().Exception);
    }

    [Fact]
    public async Task Isolate_reports_a_manual_opening()
    {
        var opened = new List<OnCircuitOpenedArguments<int>>();
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 3);
        options.ManualControl = control;
        options.OnOpened = args =>
        {
            opened.Add(args);
            return default;
        };
        var breaker = new Breaker(options);

        await control.IsolateAsync();

        Assert.True(Assert.Single(opened).IsManual);
        var change = Assert.Single(breaker.Transitions);
        Assert.Equal((CircuitState.Closed, CircuitState.Isolated, CircuitTransitionReason.Manual), (change.PreviousState, change.NewState, change.Reason));
        Assert.Null(change.BreakDuration);
    }

    [Fact]
    public async Task Isolating_twice_reports_once()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control);

        await control.IsolateAsync();
        await control.IsolateAsync();

        Assert.Single(breaker.Transitions);
    }

    [Fact]
    public async Task Close_closes_an_isolated_circuit_and_clears_the_window()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control);
        breaker.Fail();
        breaker.Fail();
        await control.IsolateAsync();

        await control.CloseAsync();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(default, breaker.Metrics);
        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State); // the two earlier failures are forgotten
        Assert.Equal(CircuitTransitionReason.Manual, breaker.Transitions[^1].Reason);
    }

    [Fact]
    public async Task Close_closes_an_open_circuit_before_its_break_ends()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control, failureThreshold: 1);
        breaker.Fail();

        await control.CloseAsync();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(42, breaker.Succeed().Result);
    }

    [Fact]
    public async Task Close_on_a_closed_circuit_clears_its_window_without_a_transition()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control);
        breaker.Fail();

        await control.CloseAsync();

        Assert.Empty(breaker.Transitions);
        Assert.Equal(default, breaker.Metrics);
    }

    [Fact]
    public async Task One_control_drives_several_breakers()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var first = WithControl(control);
        var second = WithControl(control);

        await control.IsolateAsync();
        Assert.Equal(CircuitState.Isolated, first.State);
        Assert.Equal(CircuitState.Isolated, second.State);

        await control.CloseAsync();
        Assert.Equal(CircuitState.Closed, first.State);
        Assert.Equal(CircuitState.Closed, second.State);
    }

    [Fact]
    public void A_control_created_isolated_isolates_breakers_from_the_start()
    {
        var breaker = WithControl(new SlowCallCircuitBreakerManualControl(isIsolated: true));

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.IsType<IsolatedCircuitException>(breaker.Succeed().Exception);
    }

    [Fact]
    public async Task A_breaker_built_after_isolation_and_closing_starts_closed()
    {
        var control = new SlowCallCircuitBreakerManualControl(isIsolated: true);
        await control.IsolateAsync();
        await control.CloseAsync();

        var breaker = WithControl(control);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task A_breaker_built_after_isolation_starts_isolated()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        await control.IsolateAsync();

        var breaker = WithControl(control);

        Assert.Equal(CircuitState.Isolated, breaker.State);
    }

    [Fact]
    public async Task A_control_without_breakers_does_nothing()
    {
        var control = new SlowCallCircuitBreakerManualControl();

        await control.IsolateAsync();
        await control.CloseAsync();

        Assert.NotNull(control);
    }

    [Fact]
    public async Task Probes_in_flight_when_isolated_do_not_close_the_circuit()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.ManualControl = control;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();

        await control.IsolateAsync();
        release.SetResult(Outcome.FromResult(1));
        await probe;

        Assert.Equal(CircuitState.Isolated, breaker.State);
    }

    [Fact]
    public async Task Closing_by_hand_while_a_break_duration_is_being_generated_cancels_that_opening()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var generatorStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var generatorRelease = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.BreakDurationGenerator = _ =>
        {
            generatorStarted.SetResult();
            return new ValueTask<TimeSpan>(generatorRelease.Task);
        };
        var breaker = new Breaker(options);

        var failing = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException())).AsTask();
        await generatorStarted.Task;
        await control.CloseAsync();
        generatorRelease.SetResult(TimeSpan.FromSeconds(5));
        await failing;

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal([CircuitState.Open, CircuitState.Closed], breaker.Transitions.Select(t => t.NewState));
        Assert.Equal(TimeSpan.FromSeconds(30), breaker.Transitions[0].BreakDuration); // announced by the close, unanswered
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_admitted_before_a_manual_transition_is_not_recorded_after_it(bool isolateFirst)
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control, failureThreshold: 1);
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();

        if (isolateFirst)
        {
            await control.IsolateAsync();
        }

        await control.CloseAsync();
        release.SetResult(Outcome.FromException<int>(new InvalidOperationException("admitted before")));
        await call;

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(default, breaker.Metrics);
        Assert.Empty(breaker.Telemetry.Named("OnSlowCall"));
    }

    [Fact]
    public async Task A_probe_that_fails_after_a_manual_close_does_not_land_in_the_new_window()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control, failureThreshold: 1);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();

        await control.CloseAsync();
        release.SetResult(Outcome.FromException<int>(new InvalidOperationException("late probe")));
        await probe;

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(default, breaker.Metrics);
    }

    [Fact]
    public async Task Isolate_and_close_with_a_cancelled_token_throw_and_change_nothing()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var breaker = WithControl(control, failureThreshold: 1);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => control.IsolateAsync(cancelled.Token));
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(CircuitState.Closed, WithControl(control).State); // a breaker built later does not start isolated

        await control.IsolateAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => control.CloseAsync(cancelled.Token));
        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal(CircuitState.Isolated, WithControl(control).State);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HandleOf(breaker).CloseAsync(cancelled.Token));
        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Single(breaker.Transitions);
    }

    [Fact]
    public async Task Isolating_one_breaker_by_its_handle_with_a_cancelled_token_throws_and_leaves_it_closed()
    {
        var breaker = WithControl(new SlowCallCircuitBreakerManualControl());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HandleOf(breaker).IsolateAsync(cancelled.Token));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Empty(breaker.Transitions);
    }

    [Fact]
    public async Task Close_completes_at_once_while_another_flow_runs_the_breakers_callbacks_and_its_own_run_after_them()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new List<string>();
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = async _ =>
        {
            await hold.Task;
            lock (order)
            {
                order.Add("opened");
            }
        };
        options.OnClosed = _ =>
        {
            lock (order)
            {
                order.Add("closed");
            }

            closed.SetResult();
            return default;
        };
        var breaker = new Breaker(options);
        var failing = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))).AsTask();
        Assert.False(failing.IsCompleted); // its OnOpened is running

        var closing = control.CloseAsync();

        Assert.True(closing.IsCompleted); // waiting could deadlock: the running callback may await the close
        Assert.Equal(CircuitState.Closed, breaker.State);
        hold.SetResult();
        await Task.WhenAll(failing, closing, closed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["opened", "closed"], order);
    }

    private static SlowCallCircuitBreakerHandle HandleOf(Breaker breaker)
        => Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(Assert.Single(breaker.Telemetry.Named("OnSlowCallCircuitBreakerCreated")).Arguments).Breaker;
}
