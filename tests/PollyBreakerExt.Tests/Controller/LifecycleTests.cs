using Polly.Registry;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Disposal, the controller's own state-change event, openings that wait on an asynchronous generator, and clocks at the
/// edges of their range.
/// </summary>
public class LifecycleTests
{
    [Fact]
    public async Task A_disposed_breaker_leaves_its_manual_control_and_frees_its_state_provider()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var provider = new SlowCallCircuitBreakerStateProvider();
        var genericProvider = new SlowCallCircuitBreakerStateProvider();
        var registry = new ResiliencePipelineRegistry<string>();
        registry.GetOrAddPipeline("plain", b => b.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { ManualControl = control, StateProvider = provider }));
        registry.GetOrAddPipeline<int>("generic", b => b.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { ManualControl = control, StateProvider = genericProvider }));
        registry.GetOrAddPipeline("uncontrolled", b => b.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions()));

        await registry.DisposeAsync();
        await control.IsolateAsync();

        Assert.Equal(CircuitState.Closed, provider.CircuitState);
        Assert.Equal(CircuitState.Closed, genericProvider.CircuitState);

        // The provider moves to the breaker that replaces the disposed one (a reloaded pipeline), which the control isolates.
        new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { ManualControl = control, StateProvider = provider }).Build();
        Assert.Equal(CircuitState.Isolated, provider.CircuitState);
    }

    [Fact]
    public void The_controller_raises_StateChanged_after_the_callbacks_until_unsubscribed()
    {
        var order = new List<string>();
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.OnOpened = _ =>
        {
            order.Add("OnOpened");
            return default;
        };
        var breaker = new Breaker(options);
        var controller = Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(
            Assert.Single(breaker.Telemetry.Named("OnSlowCallCircuitBreakerCreated")).Arguments).Breaker;
        void Handler(CircuitStateChangedArguments args) => order.Add($"StateChanged {args.NewState}");

        controller.StateChanged += Handler;
        breaker.Fail();
        controller.StateChanged -= Handler;
        breaker.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed();

        Assert.Equal(["OnOpened", "StateChanged Open"], order);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Calls_completing_while_an_opening_awaits_its_generator_are_recorded_but_do_not_open_again()
    {
        var generated = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var generatorCalls = 0;
        var options = NewOptions(failureThreshold: 1);
        options.BreakDurationGenerator = _ =>
        {
            generatorCalls++;
            return new(generated.Task);
        };
        var breaker = new Breaker(options);

        var opening = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("first")));
        Assert.False(opening.IsCompleted);
        var meanwhile = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("second")));

        Assert.Equal("second", meanwhile.Exception!.Message);
        Assert.Equal(2, breaker.Metrics.Failures);
        Assert.Equal(1, generatorCalls);

        generated.SetResult(TimeSpan.FromSeconds(12));
        Assert.Equal("first", (await opening).Exception!.Message);
        var transition = Assert.Single(breaker.Transitions);
        Assert.Equal((CircuitState.Open, CircuitTransitionReason.FailureThreshold, TimeSpan.FromSeconds(12)), (transition.NewState, transition.Reason, transition.BreakDuration!.Value));
    }

    [Fact]
    public async Task An_opening_overtaken_by_isolation_while_its_generator_runs_is_dropped()
    {
        var generated = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.BreakDurationGenerator = _ => new(generated.Task);
        var breaker = new Breaker(options);

        var opening = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("first")));
        await control.IsolateAsync();
        generated.SetResult(TimeSpan.FromSeconds(12));
        await opening;

        Assert.Equal(CircuitState.Isolated, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Isolated, CircuitTransitionReason.Manual)], breaker.TransitionSummary());
    }

    [Fact]
    public async Task A_manual_close_while_an_opening_awaits_its_generator_cancels_the_opening()
    {
        var generated = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 2);
        options.ManualControl = control;
        options.BreakDurationGenerator = _ => new(generated.Task);
        var breaker = new Breaker(options);
        breaker.Fail();

        var opening = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("second")));
        await control.CloseAsync();
        generated.SetResult(TimeSpan.FromSeconds(12));
        await opening;

        // The close cleared the window the opening was judged on: the circuit stays closed and judges afresh.
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Empty(breaker.Transitions);
        Assert.Equal(default, breaker.Metrics);
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);
        generated = new TaskCompletionSource<TimeSpan>();
        generated.SetResult(TimeSpan.FromSeconds(12));
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_opening_that_outlived_a_manual_close_does_not_open_the_circuit_for_a_later_trip(bool isolatedBeforeClosing)
    {
        var generators = new Queue<TaskCompletionSource<TimeSpan>>();
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.ManualControl = control;
        options.BreakDurationGenerator = _ =>
        {
            var generator = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            generators.Enqueue(generator);
            return new(generator.Task);
        };
        var breaker = new Breaker(options);

        var first = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("first")));
        if (isolatedBeforeClosing)
        {
            await control.IsolateAsync();
        }

        await control.CloseAsync();
        var second = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("second")));
        var (stale, current) = (generators.Dequeue(), generators.Dequeue());

        stale.SetResult(TimeSpan.FromSeconds(11));
        await first;
        Assert.Equal(CircuitState.Closed, breaker.State);
        current.SetResult(TimeSpan.FromSeconds(22));
        await second;

        Assert.Equal(CircuitState.Open, breaker.State);
        var opened = Assert.Single(breaker.Transitions, t => t.NewState == CircuitState.Open);
        Assert.Equal(TimeSpan.FromSeconds(22), opened.BreakDuration);
    }

    [Fact]
    public async Task A_count_based_breaker_without_slow_call_detection_never_reads_the_clock_while_closed()
    {
        var clock = new ManualClock(1_000, TimeSpan.TicksPerSecond);
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = clock }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                SlidingWindowType = SlidingWindowType.CountBased,
                FailureThreshold = 5,
                SlowCallDurationThreshold = null,
            })
            .Build();
        clock.Reads = 0;

        for (var i = 0; i < 50; i++)
        {
            await pipeline.ExecuteOutcomeAsync((_, fail) => fail ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()) : Outcome.FromResultAsValueTask(1), ResilienceContextPool.Shared.Get(), i % 20 == 0);
        }

        Assert.Equal(0, clock.Reads);
    }

    [Fact]
    public async Task A_time_based_window_ages_calls_out_on_time_on_a_clock_whose_timestamps_start_below_zero()
    {
        var second = TimeSpan.TicksPerSecond;
        var clock = new ManualClock(-second / 2, TimeSpan.TicksPerSecond);
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = clock }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                SamplingDuration = TimeSpan.FromSeconds(10),
                FailureThreshold = 5,
                StateProvider = provider,
            })
            .Build();

        // Buckets are a second wide: the call at -0.5 s lies in [-1 s, 0 s), which leaves the window at 10 s exactly.
        await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(1), ResilienceContextPool.Shared.Get(), 0);
        clock.Timestamp = (10 * second) - 1;
        Assert.Equal(1, provider.Metrics.Calls);
        clock.Timestamp = 10 * second;
        Assert.Equal(0, provider.Metrics.Calls);
    }

    [Fact]
    public async Task A_break_ending_past_the_clock_s_last_timestamp_keeps_the_circuit_open_instead_of_wrapping_around()
    {
        var clock = new ManualClock(long.MaxValue - TimeSpan.TicksPerSecond, TimeSpan.TicksPerSecond);
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = clock }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = 1, StateProvider = provider })
            .Build();

        await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()), ResilienceContextPool.Shared.Get(), 0);
        clock.Timestamp += TimeSpan.TicksPerSecond / 2;
        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(1), ResilienceContextPool.Shared.Get(), 0);

        Assert.IsType<BrokenCircuitException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, provider.CircuitState);
    }

    [Fact]
    public async Task Durations_too_long_for_a_very_fine_clock_saturate_instead_of_overflowing()
    {
        // At 10^15 timestamps a second a one-day break needs more than a long holds.
        var clock = new ManualClock(0, 1_000_000_000_000_000);
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = clock }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                FailureThreshold = 1,
                BreakDuration = TimeSpan.FromDays(1),
                SamplingDuration = TimeSpan.FromDays(1),
                StateProvider = provider,
            })
            .Build();

        await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()), ResilienceContextPool.Shared.Get(), 0);
        clock.Timestamp = long.MaxValue / 2;
        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(1), ResilienceContextPool.Shared.Get(), 0);

        Assert.IsType<BrokenCircuitException>(outcome.Exception);
        Assert.Equal(1, provider.Metrics.Failures);
    }

    [Fact]
    public async Task A_call_that_finds_the_circuit_isolated_but_closed_by_the_time_it_is_admitted_runs_as_a_closed_call()
    {
        var control = new SlowCallCircuitBreakerManualControl(isIsolated: true);
        var clock = new ManualClock(1_000, TimeSpan.TicksPerSecond);
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = clock }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { ManualControl = control, StateProvider = provider })
            .Build();

        // The breaker reads its clock after reading the state and before taking its lock: close it right there.
        clock.OnNextTimestamp = () => control.CloseAsync().GetAwaiter().GetResult();
        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(7), ResilienceContextPool.Shared.Get(), 0);

        Assert.Equal(7, outcome.Result);
        Assert.Equal(CircuitState.Closed, provider.CircuitState);
        Assert.Equal(1, provider.Metrics.Calls);
    }

    [Fact]
    public async Task A_first_probe_whose_callback_throws_synchronously_reopens_as_a_failed_probe()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        var outcome = await breaker.RunAsync(_ => throw new InvalidOperationException("sync probe failure"));

        Assert.Equal("sync probe failure", outcome.Exception!.Message);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breaker.Transitions[^1].Reason);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Every_rejection_reports_the_breaker_its_state_and_the_time_left()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1);
        options.Name = "payments";
        options.ManualControl = control;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed();
        await control.IsolateAsync();
        breaker.Succeed();

        var rejections = breaker.Telemetry.Named("OnCircuitRejected").Select(e => Assert.IsType<OnCircuitRejectedArguments>(e.Arguments)).ToList();

        Assert.Equal(
            [new OnCircuitRejectedArguments("payments", CircuitState.Open, TimeSpan.FromSeconds(20), false), new OnCircuitRejectedArguments("payments", CircuitState.Isolated, null, false)],
            rejections);
        Assert.Equal(("payments", CircuitState.Open, TimeSpan.FromSeconds(20)), (rejections[0].BreakerName, rejections[0].State, rejections[0].RetryAfter!.Value));
    }

    /// <summary>A clock that only moves when told, at any frequency and from any timestamp; it can run a hook when read.</summary>
    private sealed class ManualClock(long timestamp, long frequency) : TimeProvider
    {
        public long Timestamp { get; set; } = timestamp;

        public int Reads { get; set; }

        public Action? OnNextTimestamp { get; set; }

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp()
        {
            Reads++;
            var hook = OnNextTimestamp;
            OnNextTimestamp = null;
            hook?.Invoke();
            return Timestamp;
        }
    }
}
