namespace PollyBreakerExt.Tests.Docs;

/// <summary>
/// Each difference docs/migrating-from-polly.md names, shown by running Polly's breaker and this one side by side on the
/// same calls, each on its own fake clock that the calls advance alike.
/// </summary>
public class MigratingFromPollyTests
{
    [Fact]
    public void With_default_options_five_failures_open_ours_and_leave_Pollys_closed()
    {
        var both = new SideBySide(new CircuitBreakerStrategyOptions(), new SlowCallCircuitBreakerStrategyOptions());

        for (var i = 0; i < 5; i++)
        {
            both.Call(fail: true);
        }

        Assert.Equal(CircuitState.Closed, both.PollyState); // FailureRatio 0.1 of at least MinimumThroughput 100 calls
        Assert.Equal(CircuitState.Open, both.OurState);     // FailureThreshold 5
    }

    [Fact]
    public void With_default_options_calls_of_ten_seconds_open_ours_and_not_Pollys()
    {
        // A window long enough to hold the ten slow calls; everything else is each breaker's default.
        var both = new SideBySide(
            new CircuitBreakerStrategyOptions { SamplingDuration = TimeSpan.FromMinutes(5) },
            new SlowCallCircuitBreakerStrategyOptions { SamplingDuration = TimeSpan.FromMinutes(5) });

        for (var i = 0; i < 10; i++)
        {
            both.Call(fail: false, duration: TimeSpan.FromSeconds(10));
        }

        Assert.Equal(CircuitState.Closed, both.PollyState); // no slow-call detection
        Assert.Equal(CircuitState.Open, both.OurState);     // SlowCallDurationThreshold 10 s, SlowCallRatio 0.5, MinimumThroughput 10
    }

    [Fact]
    public void After_the_break_one_success_closes_Pollys_and_ours_needs_two()
    {
        var both = new SideBySide(
            new CircuitBreakerStrategyOptions { FailureRatio = 1, MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(30) },
            new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(30) });
        both.Call(fail: true);
        both.Call(fail: true);
        Assert.Equal(CircuitState.Open, both.PollyState);
        Assert.Equal(CircuitState.Open, both.OurState);
        both.Advance(TimeSpan.FromSeconds(30));

        both.Call(fail: false);

        Assert.Equal(CircuitState.Closed, both.PollyState);
        Assert.Equal(CircuitState.HalfOpen, both.OurState); // SuccessThreshold 2

        both.Call(fail: false);

        Assert.Equal(CircuitState.Closed, both.OurState);
    }

    [Fact]
    public void A_success_that_completes_a_tripping_window_opens_ours_at_once_and_Pollys_on_the_next_failure()
    {
        // The same ratio rule in both: half the calls failing, once 4 calls are in the window.
        var both = new SideBySide(
            new CircuitBreakerStrategyOptions { FailureRatio = 0.5, MinimumThroughput = 4 },
            new SlowCallCircuitBreakerStrategyOptions { FailureRatio = 0.5, MinimumThroughput = 4, FailureThreshold = null, SlowCallDurationThreshold = null });
        both.Call(fail: true);
        both.Call(fail: true);
        both.Call(fail: true);
        Assert.Equal(CircuitState.Closed, both.PollyState); // 3 calls: below the minimum throughput
        Assert.Equal(CircuitState.Closed, both.OurState);

        both.Call(fail: false); // 4 calls, 3 failed: the window now trips

        Assert.Equal(CircuitState.Closed, both.PollyState); // Polly judges the window only after a failure
        Assert.Equal(CircuitState.Open, both.OurState);     // ours after every recorded call

        both.Call(fail: true);

        Assert.Equal(CircuitState.Open, both.PollyState);
    }

    /// <summary>Polly's breaker and this one, each alone in a pipeline on its own fake clock, given the same calls.</summary>
    private sealed class SideBySide
    {
        private readonly FakeTimeProvider _pollyTime = new();
        private readonly FakeTimeProvider _ourTime = new();
        private readonly CircuitBreakerStateProvider _pollyState = new();
        private readonly SlowCallCircuitBreakerStateProvider _ourState = new();
        private readonly ResiliencePipeline _polly;
        private readonly ResiliencePipeline _ours;

        public SideBySide(CircuitBreakerStrategyOptions polly, SlowCallCircuitBreakerStrategyOptions ours)
        {
            polly.StateProvider = _pollyState;
            ours.StateProvider = _ourState;
            _polly = new ResiliencePipelineBuilder { TimeProvider = _pollyTime }.AddCircuitBreaker(polly).Build();
            _ours = new ResiliencePipelineBuilder { TimeProvider = _ourTime }.AddSlowCallCircuitBreaker(ours).Build();
        }

        public CircuitState PollyState => _pollyState.CircuitState;

        public CircuitState OurState => _ourState.CircuitState;

        /// <summary>One call through each breaker, taking <paramref name="duration"/> on its clock (rejections aside).</summary>
        public void Call(bool fail, TimeSpan duration = default)
        {
            Run(_polly, _pollyTime, fail, duration);
            Run(_ours, _ourTime, fail, duration);
        }

        public void Advance(TimeSpan by)
        {
            _pollyTime.Advance(by);
            _ourTime.Advance(by);
        }

        private static void Run(ResiliencePipeline pipeline, FakeTimeProvider time, bool fail, TimeSpan duration)
        {
            try
            {
                pipeline.Execute(() =>
                {
                    time.Advance(duration);
                    if (fail)
                    {
                        throw new InvalidOperationException("the dependency failed");
                    }
                });
            }
            catch (InvalidOperationException)
            {
                // the call's own failure
            }
            catch (BrokenCircuitException)
            {
                // rejected: the call did not run
            }
        }
    }
}
