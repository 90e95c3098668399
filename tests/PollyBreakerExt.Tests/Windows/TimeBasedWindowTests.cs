using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Windows;

/// <summary>Semantics rule 2, time-based: a call counts while now - completedAt &lt;= SamplingDuration.</summary>
public class TimeBasedWindowTests
{
    [Fact]
    public void A_failure_exactly_one_sampling_duration_old_still_counts()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, samplingDuration: TimeSpan.FromSeconds(10)));

        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(10));
        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void A_failure_one_tick_older_than_the_sampling_duration_no_longer_counts()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, samplingDuration: TimeSpan.FromSeconds(10)));

        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromTicks(1));
        breaker.Fail();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(999)]
    [InlineData(10_000_000)]
    public void The_failure_count_is_exact_to_the_tick_whatever_the_bucket_alignment(long offsetTicks)
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 3, samplingDuration: TimeSpan.FromSeconds(1)));
        breaker.AdvanceTicks(offsetTicks);

        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(400));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(600));
        breaker.Fail(); // the first failure is exactly 1 s old: it counts

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(999)]
    public void The_failure_count_drops_a_failure_one_tick_past_the_window(long offsetTicks)
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 3, samplingDuration: TimeSpan.FromSeconds(1)));
        breaker.AdvanceTicks(offsetTicks);

        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(400));
        breaker.Fail();
        breaker.AdvanceTicks(TimeSpan.FromMilliseconds(600).Ticks + 1);
        breaker.Fail();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Calls_leave_the_window_as_time_passes()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 100, minimumThroughput: 100, samplingDuration: TimeSpan.FromSeconds(10)));

        breaker.Fail();
        breaker.Succeed();
        Assert.Equal(2, breaker.Metrics.Calls);

        breaker.Advance(TimeSpan.FromSeconds(5));
        breaker.Succeed();
        Assert.Equal(3, breaker.Metrics.Calls);

        breaker.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), breaker.Metrics);

        breaker.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(default, breaker.Metrics);
    }

    [Fact]
    public void Ratios_are_judged_over_the_live_window_only()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 4, samplingDuration: TimeSpan.FromSeconds(10)));

        breaker.Fail();
        breaker.Fail();
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(12)); // the three failures leave the window
        breaker.Succeed();
        breaker.Succeed();
        breaker.Succeed();
        breaker.Fail();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(new CircuitMetrics(4, 1, 0, 0.25, 0), breaker.Metrics);
    }

    [Fact]
    public void Old_successes_leaving_the_window_can_trip_a_ratio()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 2, samplingDuration: TimeSpan.FromSeconds(10)));

        breaker.Succeed();
        breaker.Succeed();
        breaker.Succeed();
        breaker.Advance(TimeSpan.FromSeconds(8));
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Advance(TimeSpan.FromSeconds(4)); // the successes are gone
        breaker.Succeed();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Ratio_buckets_are_no_wider_than_a_tenth_of_the_sampling_duration()
    {
        var window = new TimeBasedWindow(duration: 1000, failureThreshold: null);

        window.Record(isFailure: true, isSlow: false, timestamp: 0);

        // Exact expiry is at 1000; buckets may keep the call at most one bucket (100) longer.
        Assert.Equal(1, window.GetCounts(1000).Calls);
        Assert.Equal(0, window.GetCounts(1100).Calls);
    }

    [Fact]
    public void Memory_does_not_grow_with_call_volume()
    {
        // A first window takes the same paths once, so that what the runtime allocates on first use (the JIT's on-stack
        // replacement of the loop, a coverage tool's hit tracking) is not counted; one run under coverage counted it.
        RecordCalls(new TimeBasedWindow(duration: TimeSpan.FromSeconds(60).Ticks, failureThreshold: 5), 0, 20_000);
        var window = new TimeBasedWindow(duration: TimeSpan.FromSeconds(60).Ticks, failureThreshold: 5);
        long recorded = 0;

        var allocated = Allocations.LeastOf(() => recorded = RecordCalls(window, recorded, 1_000_000));

        Assert.Equal(0, allocated);
        Assert.True(window.GetCounts(recorded * 100).Calls > 0);

        static long RecordCalls(TimeBasedWindow window, long from, long calls)
        {
            for (var t = from; t < from + calls; t++)
            {
                window.Record(isFailure: t % 3 == 0, isSlow: t % 5 == 0, timestamp: t * 100);
            }

            return from + calls;
        }
    }

    [Fact]
    public void Counts_survive_long_idle_gaps_and_restart_cleanly()
    {
        var window = new TimeBasedWindow(duration: 1000, failureThreshold: 2);

        window.Record(isFailure: true, isSlow: true, timestamp: 10);
        var afterGap = window.Record(isFailure: true, isSlow: false, timestamp: 1_000_000_000);

        Assert.Equal(new WindowCounts(1, 1, 0, false), afterGap);
    }

    [Fact]
    public void Out_of_order_completions_are_counted_not_lost()
    {
        var window = new TimeBasedWindow(duration: 1000, failureThreshold: null);

        window.Record(isFailure: false, isSlow: false, timestamp: 500);
        var counts = window.Record(isFailure: true, isSlow: false, timestamp: 400);

        Assert.Equal(2, counts.Calls);
        Assert.Equal(1, counts.Failures);
    }

    [Fact]
    public void Clear_forgets_calls_and_failures()
    {
        var window = new TimeBasedWindow(duration: 1000, failureThreshold: 1);
        Assert.True(window.Record(isFailure: true, isSlow: true, timestamp: 5).FailureThresholdReached);

        window.Clear();

        Assert.Equal(default, window.GetCounts(6));
    }

    [Fact]
    public void A_window_shorter_than_ten_ticks_still_works()
    {
        var window = new TimeBasedWindow(duration: 3, failureThreshold: 2);

        window.Record(isFailure: true, isSlow: false, timestamp: 100);
        Assert.True(window.Record(isFailure: true, isSlow: false, timestamp: 103).FailureThresholdReached);
        Assert.False(window.Record(isFailure: false, isSlow: false, timestamp: 107).FailureThresholdReached);
    }
}
