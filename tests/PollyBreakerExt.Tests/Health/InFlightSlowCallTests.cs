using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Health;

/// <summary>W2: with CountInFlightSlowCalls, a call running for the slow-call threshold counts as slow before it finishes.</summary>
public class InFlightSlowCallTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(1);

    private static Breaker SlowCallBreaker(bool countInFlight = true, int successThreshold = 2)
    {
        var options = NewOptions(slowCallDurationThreshold: Threshold, slowCallRatio: 0.5, minimumThroughput: 4, successThreshold: successThreshold);
        options.CountInFlightSlowCalls = countInFlight;
        return new Breaker(options);
    }

    private static (List<Task<Outcome<int>>> Calls, TaskCompletionSource<Outcome<int>> Release) Hang(Breaker breaker, int count)
    {
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, count).Select(_ => breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask()).ToList();
        return (calls, release);
    }

    [Fact]
    public void Is_on_by_default()
        => Assert.True(new SlowCallCircuitBreakerStrategyOptions<int>().CountInFlightSlowCalls);

    [Fact]
    public async Task Hanging_calls_trip_the_breaker_while_they_hang_and_the_admission_that_finds_it_is_rejected()
    {
        var breaker = SlowCallBreaker();
        var (hung, release) = Hang(breaker, 4);
        breaker.Advance(Threshold - TimeSpan.FromTicks(1));
        Assert.Equal(default, breaker.Metrics);

        breaker.AdvanceTicks(1);
        Assert.Equal(new CircuitMetrics(4, 0, 4, 0, 1), breaker.Metrics); // counted from the threshold on
        var ran = false;
        var rejected = await breaker.RunAsync(_ =>
        {
            ran = true;
            return Outcome.FromResultAsValueTask(1);
        });

        Assert.False(ran);
        Assert.IsType<BrokenCircuitException>(rejected.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.SlowCallRatio)], breaker.TransitionSummary());

        // Late completions while open: each recorded once, none moves the circuit.
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
        Assert.Equal(new CircuitMetrics(4, 0, 4, 0, 1), breaker.Metrics);
        Assert.Equal(4, breaker.Telemetry.Named("OnSlowCall").Count);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task A_call_that_never_ends_does_not_switch_hang_detection_off_for_the_calls_after_it()
    {
        var breaker = SlowCallBreaker();
        var (neverEnds, _) = Hang(breaker, 1);
        for (var i = 0; i < InFlightCalls.DefaultCapacity + 76; i++)
        {
            breaker.Succeed(); // more admissions than the ring has slots, while the first call still runs
        }

        breaker.Advance(TimeSpan.FromSeconds(70)); // the quick calls leave the window (and their bucket)
        Assert.Equal(new CircuitMetrics(1, 0, 1, 0, 1), breaker.Metrics);
        var (hung, release) = Hang(breaker, 20);
        breaker.Advance(Threshold);

        Assert.Equal(new CircuitMetrics(21, 0, 21, 0, 1), breaker.Metrics); // the 20 are tracked, the first too
        Assert.IsType<BrokenCircuitException>((await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1))).Exception);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.SlowCallRatio)], breaker.TransitionSummary());
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
        Assert.False(neverEnds[0].IsCompleted);
    }

    [Fact]
    public async Task A_completion_judges_the_running_calls_too()
    {
        var breaker = SlowCallBreaker();
        var (hung, release) = Hang(breaker, 3);
        breaker.Advance(Threshold);

        breaker.Succeed(); // 3 running slow + 1 fast = 4 calls, 3/4 slow

        Assert.Equal(CircuitState.Open, breaker.State);
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
        Assert.Equal(new CircuitMetrics(4, 0, 3, 0, 0.75), breaker.Metrics);
    }

    [Fact]
    public async Task Without_it_only_completed_calls_count()
    {
        var breaker = SlowCallBreaker(countInFlight: false);
        var (hung, release) = Hang(breaker, 4);
        breaker.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));

        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, breaker.State);
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
        Assert.Equal(CircuitState.Open, breaker.State); // they trip it once they end
    }

    [Fact]
    public async Task A_half_open_probe_past_the_threshold_reopens_at_the_next_admission()
    {
        var options = NewOptions(failureThreshold: 1, slowCallDurationThreshold: Threshold, minimumThroughput: 1000, successThreshold: 2);
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var (probe, release) = Hang(breaker, 1);
        breaker.Advance(Threshold);

        var next = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));

        Assert.IsType<BrokenCircuitException>(next.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal((CircuitState.HalfOpen, CircuitState.Open, CircuitTransitionReason.HalfOpenProbeSlow), breaker.TransitionSummary()[^1]);

        release.SetResult(Outcome.FromResult(1)); // its late end decides nothing more
        await probe[0];
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(3, breaker.Transitions.Count);
    }

    [Fact]
    public async Task A_manual_close_forgets_the_running_calls()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(slowCallDurationThreshold: Threshold, minimumThroughput: 4);
        options.ManualControl = control;
        var breaker = new Breaker(options);
        var (hung, release) = Hang(breaker, 4);
        breaker.Advance(Threshold);
        Assert.Equal(4, breaker.Metrics.SlowCalls);

        await control.CloseAsync();

        Assert.Equal(default, breaker.Metrics);
        Assert.Equal(42, breaker.Succeed().Result);
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), breaker.Metrics); // admitted before the close: not recorded after it
    }

    [Fact]
    public async Task A_cancelled_hung_call_leaves_the_count()
    {
        var breaker = SlowCallBreaker();
        using var cts = new CancellationTokenSource();
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task), cts.Token).AsTask();
        breaker.Advance(Threshold);
        Assert.Equal(1, breaker.Metrics.SlowCalls);

        cts.Cancel();
        release.SetResult(Outcome.FromException<int>(new OperationCanceledException(cts.Token)));
        await call;

        Assert.Equal(default, breaker.Metrics);
    }
}
