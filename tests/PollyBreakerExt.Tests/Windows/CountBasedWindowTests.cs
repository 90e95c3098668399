using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Windows;

/// <summary>Semantics rule 2, count-based: the last SlidingWindowSize recorded calls, exactly.</summary>
public class CountBasedWindowTests
{
    [Fact]
    public void Holds_exactly_the_last_N_calls()
    {
        var window = new CountBasedWindow(size: 3, failureThreshold: null);

        window.Record(isFailure: true, isSlow: true, timestamp: 0);
        window.Record(isFailure: false, isSlow: false, timestamp: 0);
        window.Record(isFailure: false, isSlow: true, timestamp: 0);
        Assert.Equal(new WindowCounts(3, 1, 2, false), window.GetCounts(0));

        var counts = window.Record(isFailure: false, isSlow: false, timestamp: 0); // evicts the first call

        Assert.Equal(new WindowCounts(3, 0, 1, false), counts);
    }

    [Fact]
    public void Time_does_not_evict_calls()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, windowType: SlidingWindowType.CountBased, slidingWindowSize: 10, minimumThroughput: 5));

        breaker.Fail();
        breaker.Advance(TimeSpan.FromDays(3));
        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Failure_threshold_counts_failures_among_the_last_N_calls()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, windowType: SlidingWindowType.CountBased, slidingWindowSize: 3, minimumThroughput: 3));

        breaker.Fail();
        breaker.Succeed();
        breaker.Succeed();
        breaker.Fail(); // the first failure has left the window

        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Failure_ratio_over_a_full_count_window()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.6, windowType: SlidingWindowType.CountBased, slidingWindowSize: 5, minimumThroughput: 5));

        breaker.Fail();
        breaker.Fail();
        breaker.Succeed();
        breaker.Succeed();
        breaker.Fail(); // 3/5 = 0.6

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.FailureRatio, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public void Slow_call_ratio_over_a_count_window()
    {
        var breaker = new Breaker(NewOptions(
            slowCallDurationThreshold: TimeSpan.FromSeconds(1),
            slowCallRatio: 0.5,
            windowType: SlidingWindowType.CountBased,
            slidingWindowSize: 4,
            minimumThroughput: 4));

        breaker.Succeed(TimeSpan.FromSeconds(1));
        breaker.Succeed();
        breaker.Succeed();
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Succeed(TimeSpan.FromSeconds(3));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void A_window_of_one_judges_each_call_alone()
    {
        var window = new CountBasedWindow(size: 1, failureThreshold: 1);

        Assert.True(window.Record(isFailure: true, isSlow: false, timestamp: 0).FailureThresholdReached);
        Assert.False(window.Record(isFailure: false, isSlow: false, timestamp: 0).FailureThresholdReached);
    }

    [Fact]
    public void Clear_empties_the_window()
    {
        var window = new CountBasedWindow(size: 4, failureThreshold: 2);
        window.Record(isFailure: true, isSlow: true, timestamp: 0);
        window.Record(isFailure: true, isSlow: false, timestamp: 0);

        window.Clear();
        var counts = window.Record(isFailure: false, isSlow: false, timestamp: 0);

        Assert.Equal(new WindowCounts(1, 0, 0, false), counts);
    }

    [Fact]
    public void Recording_never_allocates()
    {
        // Warmed up on a first window, as TimeBasedWindowTests explains: what the runtime allocates on first use is not counted.
        RecordCalls(new CountBasedWindow(size: 100, failureThreshold: 10), 10_000);
        var window = new CountBasedWindow(size: 100, failureThreshold: 10);

        var allocated = Allocations.LeastOf(() => RecordCalls(window, 100_000));

        Assert.Equal(0, allocated);

        static void RecordCalls(CountBasedWindow window, int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                window.Record(isFailure: i % 7 == 0, isSlow: i % 3 == 0, timestamp: i);
            }
        }
    }
}
