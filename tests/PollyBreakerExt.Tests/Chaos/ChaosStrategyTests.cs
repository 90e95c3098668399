using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;
using Polly.Simmy.Outcomes;
using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests.Chaos;

/// <summary>
/// Polly's own chaos strategies placed inside the breaker (added after it, so they run within it): the breaker opens
/// within exactly the calls its configuration implies, rejects without reaching the faulty dependency while open,
/// recovers once injection stops; cancellations mid-flight neither wedge nor trip it; throwing listeners change nothing.
/// </summary>
public class ChaosStrategyTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SlowCallCircuitBreakerStateProvider _provider = new();
    private readonly List<CircuitStateChangedArguments> _transitions = [];
    private bool _chaosEnabled = true;
    private int _reachedDependency;

    [Theory]
    [InlineData(SlidingWindowType.CountBased)]
    [InlineData(SlidingWindowType.TimeBased)]
    public async Task Injected_faults_open_the_breaker_at_exactly_the_failure_threshold_and_it_recovers_when_they_stop(SlidingWindowType windowType)
    {
        var injected = 0;
        var options = Options(windowType);
        options.FailureThreshold = 5;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddSlowCallCircuitBreaker(options)
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRate = 0.5,
                Randomizer = new Random(7).NextDouble,
                EnabledGenerator = _ => new(_chaosEnabled),
                FaultGenerator = new FaultGenerator().AddException(() => new HttpRequestException("injected")),
                OnFaultInjected = _ =>
                {
                    injected++;
                    return default;
                },
            })
            .Build();

        var calls = 0;
        while (_provider.CircuitState == CircuitState.Closed)
        {
            Assert.InRange(++calls, 1, 200);
            var outcome = await ExecuteAsync(pipeline);
            Assert.Equal(injected, _provider.Metrics.Failures);
            Assert.True(outcome.Exception is null or HttpRequestException, outcome.Exception?.ToString());
        }

        // No time passed: the breaker opened on the call that brought the fifth injected fault, not before, not after.
        Assert.Equal(5, injected);
        Assert.Equal(CircuitTransitionReason.FailureThreshold, Assert.Single(_transitions).Reason);
        await AssertRejectsWithoutReachingTheDependencyAsync(pipeline);
        await AssertRecoversOnceInjectionStopsAsync(pipeline);
    }

    [Fact]
    public async Task Injected_outcomes_open_the_breaker_on_the_failure_ratio_at_minimum_throughput()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.CountBased,
            SlidingWindowSize = 10,
            MinimumThroughput = 10,
            FailureThreshold = null,
            FailureRatio = 0.5,
            SlowCallDurationThreshold = null,
            BreakDuration = TimeSpan.FromSeconds(30),
            SuccessThreshold = 2,
            StateProvider = _provider,
            ShouldHandle = args => new(args.Outcome.Exception is not null || args.Outcome.Result == 503),
            OnStateChanged = Record,
        };
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = _time }
            .AddSlowCallCircuitBreaker(options)
            .AddChaosOutcome(new ChaosOutcomeStrategyOptions<int>
            {
                InjectionRate = 1,
                EnabledGenerator = _ => new(_chaosEnabled),
                OutcomeGenerator = new OutcomeGenerator<int>().AddResult(() => 503).AddException<TimeoutException>(),
            })
            .Build();

        for (var call = 1; call <= 10; call++)
        {
            Assert.Equal(CircuitState.Closed, _provider.CircuitState);
            var outcome = await ExecuteAsync(pipeline);
            Assert.True(outcome.Exception is TimeoutException || outcome.Result == 503, outcome.ToString());
            Assert.Equal(0, _reachedDependency);
        }

        // Every injected outcome is a failure: the ratio (1.0 >= 0.5) is judged first at the tenth call.
        Assert.Equal(CircuitState.Open, _provider.CircuitState);
        Assert.Equal(CircuitTransitionReason.FailureRatio, Assert.Single(_transitions).Reason);
        await AssertRejectsWithoutReachingTheDependencyAsync(pipeline);
        await AssertRecoversOnceInjectionStopsAsync(pipeline);
    }

    [Fact]
    public async Task Injected_latency_opens_the_breaker_on_the_slow_call_ratio_at_minimum_throughput()
    {
        var options = Options(SlidingWindowType.CountBased);
        options.SlowCallDurationThreshold = TimeSpan.FromSeconds(2);
        options.SlowCallRatio = 1.0;
        options.MinimumThroughput = 4;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddSlowCallCircuitBreaker(options)
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                InjectionRate = 1,
                Latency = TimeSpan.FromSeconds(3),
                EnabledGenerator = _ => new(_chaosEnabled),
            })
            .Build();

        for (var call = 1; call <= 4; call++)
        {
            Assert.Equal(CircuitState.Closed, _provider.CircuitState);
            var pending = ExecuteAsync(pipeline);
            Assert.False(pending.IsCompleted);
            _time.Advance(TimeSpan.FromSeconds(3));
            var outcome = await pending;
            Assert.Null(outcome.Exception);
        }

        Assert.Equal(new CircuitMetrics(4, 0, 4, 0, 1), _provider.Metrics);
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, Assert.Single(_transitions).Reason);
        await AssertRejectsWithoutReachingTheDependencyAsync(pipeline);
        await AssertRecoversOnceInjectionStopsAsync(pipeline);
    }

    [Fact]
    public async Task Half_of_the_calls_cancelled_mid_flight_neither_trip_nor_get_recorded()
    {
        var options = Options(SlidingWindowType.CountBased);
        options.SlidingWindowSize = 1_000;
        options.FailureThreshold = 1;
        options.FailureRatio = 0.01;
        options.MinimumThroughput = 1;
        options.SlowCallDurationThreshold = TimeSpan.FromSeconds(2);
        options.SlowCallRatio = 0.01;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddSlowCallCircuitBreaker(options)
            .AddChaosLatency(1, TimeSpan.FromSeconds(1))
            .Build();
        var random = new Random(3);
        var completed = 0;

        for (var call = 0; call < 200; call++)
        {
            using var cts = new CancellationTokenSource();
            var pending = ExecuteAsync(pipeline, cancellationToken: cts.Token);
            if (random.Next(2) == 0)
            {
                await cts.CancelAsync();
                Assert.IsAssignableFrom<OperationCanceledException>((await pending).Exception);
            }
            else
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                Assert.Null((await pending).Exception);
                completed++;
            }
        }

        Assert.InRange(completed, 60, 140);
        Assert.Equal(new CircuitMetrics(completed, 0, 0, 0, 0), _provider.Metrics);
        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
        Assert.Empty(_transitions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Half_of_the_probes_cancelled_mid_flight_do_not_wedge_half_open(int successThreshold)
    {
        var options = Options(SlidingWindowType.CountBased);
        options.FailureThreshold = 1;
        options.SuccessThreshold = successThreshold;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddSlowCallCircuitBreaker(options)
            .AddChaosLatency(new ChaosLatencyStrategyOptions { InjectionRate = 1, Latency = TimeSpan.FromMilliseconds(100), EnabledGenerator = _ => new(_chaosEnabled) })
            .Build();
        _chaosEnabled = false;
        await ExecuteAsync(pipeline, failing: true);
        _chaosEnabled = true;
        _time.Advance(options.BreakDuration);
        var random = new Random(successThreshold);
        var rounds = 0;

        // Each round starts as many probes as the cap allows, then cancels about half and lets the rest finish.
        while (_provider.CircuitState != CircuitState.Closed)
        {
            Assert.InRange(++rounds, 1, 100);
            var probes = new List<(Task<Outcome<object>> Call, CancellationTokenSource Cancellation)>();
            for (var i = 0; i < successThreshold; i++)
            {
                var cts = new CancellationTokenSource();
                probes.Add((ExecuteAsync(pipeline, cancellationToken: cts.Token), cts));
            }

            Assert.IsType<BrokenCircuitException>((await ExecuteAsync(pipeline)).Exception);
            foreach (var (_, cancellation) in probes.Where(_ => random.Next(2) == 0))
            {
                await cancellation.CancelAsync();
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAll(probes.Select(p => p.Call));
            probes.ForEach(p => p.Cancellation.Dispose());
        }

        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
        Assert.Equal(CircuitTransitionReason.HalfOpenSucceeded, _transitions[^1].Reason);
        Assert.DoesNotContain(_transitions, t => t.Reason == CircuitTransitionReason.HalfOpenProbeFailed);
    }

    [Fact]
    public async Task Throwing_listeners_change_nothing_under_chaos()
    {
        async Task<(List<(CircuitState, CircuitState, CircuitTransitionReason)> Transitions, List<string> Outcomes)> RunAsync(bool throwingListeners)
        {
            var time = new FakeTimeProvider();
            var transitions = new List<(CircuitState, CircuitState, CircuitTransitionReason)>();
            var options = new SlowCallCircuitBreakerStrategyOptions
            {
                SlidingWindowType = SlidingWindowType.CountBased,
                SlidingWindowSize = 6,
                MinimumThroughput = 4,
                FailureThreshold = 3,
                FailureRatio = 0.5,
                BreakDuration = TimeSpan.FromSeconds(5),
                OnStateChanged = args =>
                {
                    transitions.Add((args.PreviousState, args.NewState, args.Reason));
                    return throwingListeners ? throw new InvalidOperationException("listener") : default;
                },
            };
            if (throwingListeners)
            {
                options.OnOpened = _ => throw new InvalidOperationException("listener");
                options.OnClosed = async _ =>
                {
                    await Task.Yield();
                    throw new InvalidOperationException("listener");
                };
                options.OnHalfOpened = _ => ValueTask.FromException(new InvalidOperationException("listener"));
            }

            var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
                .AddSlowCallCircuitBreaker(options)
                .AddChaosFault(new ChaosFaultStrategyOptions
                {
                    InjectionRate = 0.4,
                    Randomizer = new Random(11).NextDouble,
                    FaultGenerator = new FaultGenerator().AddException<HttpRequestException>(),
                })
                .Build();

            var outcomes = new List<string>();
            for (var i = 0; i < 300; i++)
            {
                var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask<object>("ok"), ResilienceContextPool.Shared.Get(), 0);
                outcomes.Add(outcome.Exception?.GetType().Name ?? "ok");
                time.Advance(TimeSpan.FromMilliseconds(700));
            }

            return (transitions, outcomes);
        }

        var quiet = await RunAsync(throwingListeners: false);
        var throwing = await RunAsync(throwingListeners: true);

        Assert.Contains((CircuitState.HalfOpen, CircuitState.Closed, CircuitTransitionReason.HalfOpenSucceeded), quiet.Transitions);
        Assert.Equal(quiet.Transitions, throwing.Transitions);
        Assert.Equal(quiet.Outcomes, throwing.Outcomes);
    }

    private SlowCallCircuitBreakerStrategyOptions Options(SlidingWindowType windowType) => new()
    {
        SlidingWindowType = windowType,
        SlidingWindowSize = 100,
        SamplingDuration = TimeSpan.FromSeconds(60),
        MinimumThroughput = 10,
        FailureThreshold = null,
        SlowCallDurationThreshold = null,
        FailureRatio = null,
        BreakDuration = TimeSpan.FromSeconds(30),
        SuccessThreshold = 2,
        StateProvider = _provider,
        OnStateChanged = Record,
    };

    private ValueTask Record(CircuitStateChangedArguments args)
    {
        _transitions.Add(args);
        return default;
    }

    private async Task AssertRejectsWithoutReachingTheDependencyAsync(ResiliencePipeline pipeline)
    {
        var reached = _reachedDependency;
        for (var i = 0; i < 20; i++)
        {
            var outcome = await ExecuteAsync(pipeline);
            Assert.IsType<BrokenCircuitException>(outcome.Exception);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(reached, _reachedDependency);
    }

    private async Task AssertRejectsWithoutReachingTheDependencyAsync(ResiliencePipeline<int> pipeline)
    {
        for (var i = 0; i < 20; i++)
        {
            var context = ResilienceContextPool.Shared.Get();
            var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(200), context, 0);
            Assert.IsType<BrokenCircuitException>(outcome.Exception);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private async Task AssertRecoversOnceInjectionStopsAsync(ResiliencePipeline pipeline)
    {
        _chaosEnabled = false;
        _time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2; i++)
        {
            Assert.Null((await ExecuteAsync(pipeline)).Exception);
        }

        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
        Assert.Equal(CircuitTransitionReason.HalfOpenSucceeded, _transitions[^1].Reason);
    }

    private async Task AssertRecoversOnceInjectionStopsAsync(ResiliencePipeline<int> pipeline)
    {
        _chaosEnabled = false;
        _time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2; i++)
        {
            var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(200), ResilienceContextPool.Shared.Get(), 0);
            Assert.Equal(200, outcome.Result);
        }

        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
    }

    private Task<Outcome<object>> ExecuteAsync(ResiliencePipeline pipeline, bool failing = false, CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        return pipeline.ExecuteOutcomeAsync(
            (_, self) =>
            {
                Interlocked.Increment(ref self._reachedDependency);
                return failing
                    ? Outcome.FromExceptionAsValueTask<object>(new HttpRequestException("real failure"))
                    : Outcome.FromResultAsValueTask<object>("ok");
            },
            context,
            this).AsTask();
    }

    private Task<Outcome<int>> ExecuteAsync(ResiliencePipeline<int> pipeline)
    {
        var context = ResilienceContextPool.Shared.Get();
        return pipeline.ExecuteOutcomeAsync(
            (_, self) =>
            {
                Interlocked.Increment(ref self._reachedDependency);
                return Outcome.FromResultAsValueTask(200);
            },
            context,
            this).AsTask();
    }
}
