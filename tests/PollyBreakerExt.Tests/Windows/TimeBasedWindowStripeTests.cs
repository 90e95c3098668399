namespace PollyBreakerExt.Tests.Windows;

/// <summary>
/// Successes recorded without the lock (issue #19): they count in the window exactly like those recorded under it, in
/// the bucket and generation they were recorded for, and leave it with their bucket.
/// </summary>
public class TimeBasedWindowStripeTests
{
    private const long Duration = 100; // buckets 10 wide

    [Fact]
    public void A_success_without_the_lock_is_refused_until_a_record_under_it_names_the_bucket()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);

        Assert.False(window.TryRecordSuccess(5, generation: 0));
        window.Record(isFailure: false, isSlow: false, 5);

        Assert.True(window.TryRecordSuccess(6, generation: 0));
        Assert.True(window.TryRecordSuccess(9, generation: 0));
        Assert.Equal(3, window.GetCounts(9).Calls);
    }

    [Fact]
    public void A_success_of_another_bucket_or_generation_is_refused()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);

        Assert.False(window.TryRecordSuccess(10, generation: 0)); // the next bucket: recorded under the lock
        Assert.False(window.TryRecordSuccess(-1, generation: 0));
        Assert.False(window.TryRecordSuccess(5, generation: 1));
        window.SetGeneration(1);
        Assert.False(window.TryRecordSuccess(5, generation: 0)); // admitted before a manual transition
        Assert.True(window.TryRecordSuccess(5, generation: 1));

        Assert.Equal(2, window.GetCounts(5).Calls);
    }

    [Fact]
    public void Successes_without_the_lock_leave_the_window_with_their_bucket()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);
        Assert.True(window.TryRecordSuccess(9, generation: 0));

        Assert.Equal(2, window.GetCounts(109).Calls); // the bucket [0, 10) still has a part inside the window
        Assert.Equal(0, window.GetCounts(110).Calls);
        Assert.False(window.TryRecordSuccess(110, generation: 0));
    }

    [Fact]
    public void Successes_without_the_lock_are_folded_into_their_bucket_when_the_next_one_begins()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);
        Assert.True(window.TryRecordSuccess(6, generation: 0));
        window.Record(isFailure: true, isSlow: false, 15); // the next bucket: the stripes count for it from now on
        Assert.True(window.TryRecordSuccess(16, generation: 0));

        Assert.Equal(new WindowCounts(4, 1, 0, false), window.GetCounts(109));
        Assert.Equal(new WindowCounts(2, 1, 0, false), window.GetCounts(110)); // the first bucket's two left together
    }

    [Fact]
    public void A_clear_drops_the_successes_before_it_and_keeps_those_after_it()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: 2);
        window.Record(isFailure: true, isSlow: false, 5);
        Assert.True(window.TryRecordSuccess(6, generation: 0));

        window.Clear();
        Assert.Equal(default, window.GetCounts(6));
        Assert.True(window.TryRecordSuccess(7, generation: 0));
        window.Record(isFailure: true, isSlow: false, 8);

        Assert.Equal(new WindowCounts(2, 1, 0, false), window.GetCounts(8));
    }

    [Fact]
    public void A_success_without_the_lock_counts_while_its_bucket_has_a_part_inside_the_window()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);
        Assert.Equal(1, window.GetCounts(100).Calls); // the bucket [0, 10) is the oldest one still inside

        Assert.True(window.TryRecordSuccess(9, generation: 0));
        Assert.Equal(2, window.GetCounts(109).Calls);
    }

    [Fact]
    public void A_record_after_a_later_success_without_the_lock_counts_at_the_time_of_that_success()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: 1);
        window.Record(isFailure: false, isSlow: false, 0);
        Assert.True(window.TryRecordSuccess(9, generation: 0));

        window.Record(isFailure: true, isSlow: false, 5); // completed before the success, recorded after it: time stays monotonic

        Assert.True(window.GetCounts(109).FailureThresholdReached); // the failure counts as at 9
        Assert.False(window.GetCounts(110).FailureThresholdReached);
    }

    [Fact]
    public void It_says_whether_it_holds_a_failure_or_a_slow_call()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);
        Assert.False(window.HasFailuresOrSlowCalls);

        window.Record(isFailure: false, isSlow: true, 6);
        Assert.True(window.HasFailuresOrSlowCalls);
        window.GetCounts(110);
        Assert.False(window.HasFailuresOrSlowCalls);

        window.Record(isFailure: true, isSlow: false, 111);
        Assert.True(window.HasFailuresOrSlowCalls);
    }

    [Fact]
    public void Successes_from_many_threads_are_all_counted()
    {
        var window = new TimeBasedWindow(Duration, failureThreshold: null);
        window.Record(isFailure: false, isSlow: false, 5);
        var refused = 0;

        Parallel.For(0, 20_000, _ =>
        {
            if (!window.TryRecordSuccess(5, generation: 0))
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.Equal(0, refused);
        Assert.Equal(20_001, window.GetCounts(5).Calls);
    }

    [Fact]
    public void A_count_based_window_records_every_call_under_the_lock()
    {
        var window = new CountBasedWindow(size: 10, failureThreshold: null);
        window.SetGeneration(1);

        Assert.False(window.TryRecordSuccess(5, generation: 1));
        Assert.True(window.HasFailuresOrSlowCalls); // so a success is always judged under the lock
    }
}
