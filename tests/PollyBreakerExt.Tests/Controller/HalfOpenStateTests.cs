using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 4: half-open admits at most SuccessThreshold probes and needs SuccessThreshold fast successes.</summary>
public class HalfOpenStateTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);

    private static Breaker HalfOpenReady(int successThreshold, TimeSpan? slowThreshold = null)
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: successThreshold, breakDuration: Break, slowCallDurationThreshold: slowThreshold, minimumThroughput: 1000));
        breaker.Fail();
        breaker.Advance(Break);
        return breaker;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Closes_after_SuccessThreshold_successful_probes(int successThreshold)
    {
        var breaker = HalfOpenReady(successThreshold);

        for (var i = 0; i < successThreshold - 1; i++)
        {
            breaker.Succeed();
            Assert.Equal(CircuitState.HalfOpen, breaker.State);
        }

        breaker.Succeed();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(
            (CircuitState.HalfOpen, CircuitState.Closed, CircuitTransitionReason.HalfOpenSucceeded),
            breaker.TransitionSummary()[^1]);
    }

    [Fact]
    public void Closing_clears_the_window()
    {
        var breaker = HalfOpenReady(1);

        breaker.Succeed();

        Assert.Equal(default, breaker.Metrics);
    }

    [Fact]
    public void A_failed_probe_reopens_for_a_new_break()
    {
        var breaker = HalfOpenReady(3);
        breaker.Succeed();

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
        var reopened = breaker.Transitions[^1];
        Assert.Equal((CircuitState.HalfOpen, CircuitState.Open, CircuitTransitionReason.HalfOpenProbeFailed), (reopened.PreviousState, reopened.NewState, reopened.Reason));
        Assert.Equal(Break, reopened.BreakDuration);
        Assert.Equal(Break, Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception).RetryAfter);
    }

    [Fact]
    public void A_slow_successful_probe_reopens()
    {
        var breaker = HalfOpenReady(2, slowThreshold: TimeSpan.FromSeconds(1));

        breaker.Succeed(TimeSpan.FromSeconds(1));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeSlow, breaker.Transitions[^1].Reason);
    }

    [Fact]
    public void A_slow_failed_probe_is_reported_as_failed()
    {
        var breaker = HalfOpenReady(2, slowThreshold: TimeSpan.FromSeconds(1));

        breaker.Fail(TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breaker.Transitions[^1].Reason);
    }

    [Fact]
    public void Successes_before_a_failed_probe_do_not_carry_over()
    {
        var breaker = HalfOpenReady(2);
        breaker.Succeed();
        breaker.Fail();
        breaker.Advance(Break);

        breaker.Succeed();

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        breaker.Succeed();
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task At_most_SuccessThreshold_probes_run_at_once()
    {
        var breaker = HalfOpenReady(2);
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();
        var second = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();
        var third = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(3));

        var rejection = Assert.IsType<BrokenCircuitException>(third.Exception);
        Assert.Contains("half-open", rejection.Message, StringComparison.Ordinal);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(first, second);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task A_finished_probe_frees_its_slot_for_the_next()
    {
        var breaker = HalfOpenReady(2);
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();

        Assert.Equal(42, breaker.Succeed().Result); // second slot: finishes, one success
        Assert.Equal(42, breaker.Succeed().Result); // its slot is free again: second success closes

        Assert.Equal(CircuitState.Closed, breaker.State);
        hang.SetResult(Outcome.FromResult(0));
        await hung;
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Probes_that_never_finish_stop_blocking_after_a_break_duration()
    {
        var breaker = HalfOpenReady(1);
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();

        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        breaker.Advance(Break - TimeSpan.FromTicks(1));
        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        breaker.AdvanceTicks(1);
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);

        hang.SetResult(Outcome.FromResult(0));
        await hung;
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task A_stale_probe_that_fails_after_the_close_is_judged_at_once_like_any_closed_call()
    {
        // Issue 19, bug 3: the late failure used to be recorded without a verdict, and the next success opened the breaker.
        var breaker = HalfOpenReady(1);
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stale = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();
        breaker.Advance(Break);
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);

        hang.SetResult(Outcome.FromException<int>(new InvalidOperationException("late")));
        await stale;

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal((CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold), breaker.TransitionSummary()[^1]);
    }

    [Fact]
    public async Task The_rejection_while_probes_run_says_when_they_stop_counting()
    {
        var breaker = HalfOpenReady(1);
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();
        breaker.Advance(TimeSpan.FromSeconds(10));

        var exception = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Equal(TimeSpan.FromSeconds(20), exception.RetryAfter);
        hang.SetResult(Outcome.FromResult(1));
        await hung;
    }

    [Fact]
    public async Task A_cancelled_probe_releases_its_permit_without_deciding()
    {
        var breaker = HalfOpenReady(1);
        using var cts = new CancellationTokenSource();

        await breaker.RunAsync(
            ctx =>
            {
                cts.Cancel();
                return Outcome.FromExceptionAsValueTask<int>(new OperationCanceledException(ctx.CancellationToken));
            },
            cts.Token);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Half_open_transition_is_reported_once_per_episode()
    {
        var breaker = HalfOpenReady(3);

        breaker.Succeed();
        breaker.Succeed();
        breaker.Succeed();

        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
                (CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed),
                (CircuitState.HalfOpen, CircuitState.Closed, CircuitTransitionReason.HalfOpenSucceeded),
            ],
            breaker.TransitionSummary());
    }

    [Fact]
    public void After_closing_the_breaker_judges_a_fresh_window()
    {
        var breaker = HalfOpenReady(1);
        breaker.Succeed();

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State); // threshold 1: a single new failure trips again
        Assert.Equal(new CircuitMetrics(1, 1, 0, 1, 0), breaker.Metrics);
    }

    [Fact]
    public async Task Probes_slower_than_the_break_still_count_toward_closing()
    {
        // Issue 11, bug 1: 1 s break, 2 s probes arriving every 0.5 s, no slow-call detection.
        var breakDuration = TimeSpan.FromSeconds(1);
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 2, breakDuration: breakDuration, minimumThroughput: 1000));
        breaker.Fail();
        breaker.Advance(breakDuration);
        var releases = new List<TaskCompletionSource<Outcome<int>>>();
        var probes = new List<Task<Outcome<int>>>();
        void StartProbe()
        {
            var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
            releases.Add(release);
            probes.Add(breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask());
        }

        StartProbe();                                  // t = 1.0: first probe
        breaker.Advance(TimeSpan.FromSeconds(0.5));
        StartProbe();                                  // t = 1.5: second probe, the cap is reached
        breaker.Advance(TimeSpan.FromSeconds(0.5));
        StartProbe();                                  // t = 2.0: both have run a whole break, a fresh one is admitted

        releases[0].SetResult(Outcome.FromResult(1));  // the first two succeed, late
        await probes[0];
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        releases[1].SetResult(Outcome.FromResult(1));
        await probes[1];

        Assert.Equal(CircuitState.Closed, breaker.State);
        releases[2].SetResult(Outcome.FromResult(1));
        await probes[2];
    }

    [Fact]
    public async Task A_probe_slower_than_the_break_that_fails_reopens()
    {
        var breaker = HalfOpenReady(1);
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();
        breaker.Advance(Break);
        var fresh = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(fresh.Task)).AsTask();

        release.SetResult(Outcome.FromException<int>(new InvalidOperationException("late")));
        await slow;

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breaker.Transitions[^1].Reason);
        fresh.SetResult(Outcome.FromResult(1));
        await second;
        Assert.Equal(CircuitState.Open, breaker.State); // a probe of the finished episode decides nothing
    }

    [Fact]
    public async Task The_probe_cap_holds_when_the_generated_break_is_zero()
    {
        // Issue 11, bug 2: the common 2^attempts - 1 seconds back-off returns zero on its first break.
        var options = NewOptions(failureThreshold: 1, successThreshold: 2, breakDuration: Break, minimumThroughput: 1000);
        options.BreakDurationGenerator = args => new(TimeSpan.FromSeconds(Math.Pow(2, args.HalfOpenAttempts) - 1));
        var breaker = new Breaker(options);
        breaker.Fail();
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 6).Select(_ => breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask()).ToList();

        Assert.Equal(4, calls.Count(c => c.IsCompleted && c.Result.Exception is BrokenCircuitException));
        hang.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(calls);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Probes_still_running_from_an_earlier_episode_count_against_the_next_ones_cap()
    {
        // Issue 19, bug 2: a generated break shorter than BreakDuration used to let A, C and D run at once against a cap of 2.
        var options = NewOptions(failureThreshold: 1, successThreshold: 2, breakDuration: TimeSpan.FromSeconds(1), minimumThroughput: 1000);
        options.BreakDurationGenerator = _ => new(TimeSpan.FromMilliseconds(10));
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(10));
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();
        Assert.IsType<InvalidOperationException>(breaker.Fail().Exception); // probe B fails and reopens
        breaker.Advance(TimeSpan.FromMilliseconds(10));

        var c = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();
        var d = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(4));

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        var rejection = Assert.IsType<BrokenCircuitException>(d.Exception); // A and C hold both slots
        Assert.Equal(TimeSpan.FromMilliseconds(990), rejection.RetryAfter); // A's set stops holding a slot 1 s after it began
        breaker.Advance(TimeSpan.FromMilliseconds(990));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        var e = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask(); // A is stuck now: its slot is free
        Assert.False(e.IsCompleted);
        hang.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(a, c, e);
        Assert.Equal(CircuitState.Closed, breaker.State); // C and E, this episode's probes, close; A's success decides nothing
    }

    [Fact]
    public async Task A_half_open_whose_every_slot_is_held_by_a_running_probe_of_the_last_one_rejects_the_call_that_began_it()
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(1),
            slowCallDurationThreshold: TimeSpan.FromMilliseconds(100), minimumThroughput: 1000);
        options.BreakDurationGenerator = _ => new(TimeSpan.FromMilliseconds(10));
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(10));
        var hang = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask(); // holds the only slot
        breaker.Advance(TimeSpan.FromMilliseconds(100));
        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception); // A is a hung probe: open again, for 10 ms
        breaker.Advance(TimeSpan.FromMilliseconds(10));

        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Equal(CircuitState.HalfOpen, breaker.State); // the break is over, so half-open, announced
        Assert.Equal((CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed), breaker.TransitionSummary()[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(890), rejection.RetryAfter); // A's set (begun at 10 ms) stops holding the slot at 1,010 ms
        breaker.Advance(TimeSpan.FromMilliseconds(890));
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
        hang.SetResult(Outcome.FromResult(1));
        await a;
    }
}
