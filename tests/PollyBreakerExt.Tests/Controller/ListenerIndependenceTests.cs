using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// A slow listener delays only what must wait for it: the call whose transition it reports, and later transitions
/// (their events run in order). Calls that cause no transition return at once, whatever listeners are running.
/// </summary>
public class ListenerIndependenceTests
{
    [Fact]
    public async Task Calls_that_cause_no_transition_do_not_wait_for_another_call_s_listeners()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var generated = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var openings = 0;
        var options = NewOptions(failureThreshold: 1, successThreshold: 3);
        options.BreakDurationGenerator = _ => ++openings == 1 ? new(TimeSpan.FromSeconds(30)) : new(generated.Task);
        options.OnHalfOpened = async _ => await hold.Task;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        // The first probe half-opens the circuit; its listener holds the events until released.
        var first = Start(breaker, _ => Outcome.FromResultAsValueTask(1));
        Assert.False(first.IsCompleted);

        var successShortOfTheThreshold = Start(breaker, _ => Outcome.FromResultAsValueTask(1));
        using var cts = new CancellationTokenSource();
        var cancelled = Start(
            breaker,
            _ =>
            {
                cts.Cancel();
                return Outcome.FromExceptionAsValueTask<int>(new OperationCanceledException(cts.Token));
            },
            cts.Token);
        var failed = Start(breaker, _ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("probe failed")));
        var duringTheOpening = Start(breaker, _ => Outcome.FromResultAsValueTask(1));

        Assert.True(successShortOfTheThreshold.IsCompleted);
        Assert.True(cancelled.IsCompleted);
        Assert.False(failed.IsCompleted); // it reopens the circuit: it waits for its generator, then for the events
        Assert.True(duringTheOpening.IsCompleted);

        generated.SetResult(TimeSpan.FromSeconds(30));
        hold.SetResult();
        await Task.WhenAll(first, failed).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
                (CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed),
                (CircuitState.HalfOpen, CircuitState.Open, CircuitTransitionReason.HalfOpenProbeFailed),
            ],
            breaker.TransitionSummary());
    }

    [Fact]
    public async Task A_probe_of_an_episode_that_isolation_ended_returns_without_waiting_for_the_isolation_s_listeners()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = args => args.IsManual ? new(hold.Task) : default;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource<Outcome<int>>();
        var probe = Start(breaker, _ => new(release.Task));

        var isolating = control.IsolateAsync();
        Assert.False(isolating.IsCompleted);
        ReleaseInline(release, Outcome.FromResult(1));

        Assert.True(probe.IsCompleted);
        Assert.Equal(1, (await probe).Result);
        hold.SetResult();
        await isolating.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitState.Isolated, breaker.State);
    }

    [Fact]
    public async Task A_manual_transition_during_another_flow_s_listeners_returns_at_once_and_its_listeners_run_after_them()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = new SlowCallCircuitBreakerManualControl();
        var order = new List<string>();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = async args =>
        {
            if (!args.IsManual)
            {
                await hold.Task;
            }

            lock (order)
            {
                order.Add(args.IsManual ? "isolated" : "opened");
            }
        };
        var isolatedListenersRan = IsolatedListenersRan(options);
        var breaker = new Breaker(options);

        var failing = Start(breaker, _ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));
        var isolating = control.IsolateAsync();

        Assert.False(failing.IsCompleted);
        Assert.True(isolating.IsCompleted); // waiting could deadlock: the running listener may be awaiting it
        Assert.Equal(CircuitState.Isolated, breaker.State);
        hold.SetResult();
        await failing.WaitAsync(TimeSpan.FromSeconds(10));
        await isolatedListenersRan.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["opened", "isolated"], order);
    }

    [Fact]
    public async Task A_listener_awaiting_work_that_isolates_the_breaker_from_another_flow_does_not_deadlock()
    {
        // Issue 11, bug 4: the work runs on a flow of its own (no ExecutionContext flows to it).
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = async args =>
        {
            if (args.IsManual)
            {
                return;
            }

            var isolated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ThreadPool.UnsafeQueueUserWorkItem(_ => control.IsolateAsync().ContinueWith(_ => isolated.SetResult(), TaskScheduler.Default), null);
            await isolated.Task;
        };
        var isolatedListenersRan = IsolatedListenersRan(options);
        var breaker = new Breaker(options);

        var failing = Start(breaker, _ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));

        await failing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitState.Isolated, breaker.State);
        await isolatedListenersRan.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
                (CircuitState.Open, CircuitState.Isolated, CircuitTransitionReason.Manual),
            ],
            breaker.TransitionSummary());
    }

    [Fact]
    public async Task A_tripping_call_does_not_wait_for_the_listeners_of_a_transition_queued_after_its_own()
    {
        // Issue 11, item 8: a call waits for its own transition's listeners (and earlier ones), never for later ones.
        var holdOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdIsolated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.OnOpened = args => new(args.IsManual ? holdIsolated.Task : holdOpened.Task);
        var isolatedListenersRan = IsolatedListenersRan(options);
        var breaker = new Breaker(options);

        var failing = Start(breaker, _ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));
        _ = control.IsolateAsync();
        holdOpened.SetResult();

        await failing.WaitAsync(TimeSpan.FromSeconds(10)); // the isolation's listener is still held
        Assert.False(holdIsolated.Task.IsCompleted);
        holdIsolated.SetResult();
        await isolatedListenersRan.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A task that completes once the listeners of an isolation have run (OnStateChanged runs last).</summary>
    private static Task IsolatedListenersRan(SlowCallCircuitBreakerStrategyOptions<int> options)
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        options.OnStateChanged = args =>
        {
            if (args.NewState == CircuitState.Isolated)
            {
                ran.TrySetResult();
            }

            return default;
        };
        return ran.Task;
    }

    /// <summary>Completes a call's task with its continuations run inline (the test framework's context would post them).</summary>
    private static void ReleaseInline(TaskCompletionSource<Outcome<int>> release, Outcome<int> outcome)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            release.SetResult(outcome);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>Starts a call without awaiting it, so that what completes synchronously can be told from what waits.</summary>
    private static Task<Outcome<int>> Start(Breaker breaker, Func<ResilienceContext, ValueTask<Outcome<int>>> callback, CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        return breaker.Pipeline.ExecuteOutcomeAsync((ctx, cb) => cb(ctx), context, callback).AsTask();
    }
}
