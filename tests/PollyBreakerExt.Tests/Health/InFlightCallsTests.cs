namespace PollyBreakerExt.Tests.Health;

/// <summary>The running calls, in admission order: each counted once when it reaches the threshold, removed in any order.</summary>
public class InFlightCallsTests
{
    [Fact]
    public void A_running_call_counts_once_from_the_threshold_on()
    {
        var calls = new InFlightCalls(threshold: 10);
        calls.Admit(start: 0, probeGeneration: 0);

        Assert.Equal(0, calls.CountReached(now: 9));
        Assert.Equal(1, calls.CountReached(now: 10));
        Assert.Equal(0, calls.CountReached(now: 100));
        Assert.Equal(1, calls.SlowCount);
    }

    [Fact]
    public void Calls_released_out_of_order_leave_the_others_counted()
    {
        var calls = new InFlightCalls(threshold: 10);
        var first = calls.Admit(0, 0);
        var second = calls.Admit(1, 0);
        var third = calls.Admit(2, 0);

        calls.Release(second); // before it was counted
        Assert.Equal(2, calls.CountReached(now: 12));
        calls.Release(first); // after
        Assert.Equal(1, calls.SlowCount);
        calls.Release(third);
        Assert.Equal(0, calls.SlowCount);
        Assert.Equal(0, calls.CountReached(now: 1000));
    }

    [Fact]
    public void A_full_ring_tracks_no_more_calls_until_the_oldest_ends_or_is_counted_and_keeps_their_order()
    {
        var calls = new InFlightCalls(threshold: 10);
        var sequences = Enumerable.Range(0, InFlightCalls.DefaultCapacity).Select(i => calls.Admit(start: i, probeGeneration: 0)).ToList();
        Assert.DoesNotContain(-1, sequences);

        Assert.Equal(-1, calls.Admit(start: 5000, probeGeneration: 0));
        foreach (var sequence in sequences.Where(s => s % 3 == 0))
        {
            calls.Release(sequence);
        }

        Assert.Equal(Enumerable.Range(0, 51).Count(i => i % 3 != 0), calls.CountReached(now: 60)); // started at 0..50
        Assert.NotEqual(-1, calls.Admit(start: 5000, probeGeneration: 0)); // the oldest slot is free again
        Assert.Equal(Enumerable.Range(51, InFlightCalls.DefaultCapacity - 51).Count(i => i % 3 != 0), calls.CountReached(now: 5009));
        Assert.Equal(1, calls.CountReached(now: 5010));
    }

    [Fact]
    public void Concurrent_admissions_get_distinct_slots_and_are_all_counted()
    {
        var calls = new InFlightCalls(threshold: 10);
        var sequences = new System.Collections.Concurrent.ConcurrentBag<long>();
        Parallel.For(0, 500, i => sequences.Add(calls.Admit(start: 0, probeGeneration: 0)));

        Assert.Equal(500, sequences.Distinct().Count());
        Assert.Equal(500, calls.CountReached(now: 10));
        foreach (var sequence in sequences)
        {
            calls.Release(sequence);
        }

        Assert.Equal(0, calls.SlowCount);
    }

    [Fact]
    public void Forgotten_calls_count_for_nothing_until_they_end()
    {
        var calls = new InFlightCalls(threshold: 10);
        var counted = calls.Admit(0, 0);
        var notYet = calls.Admit(5, 0);
        calls.CountReached(now: 10);

        calls.Forget();

        Assert.Equal(0, calls.SlowCount);
        Assert.Equal(0, calls.CountReached(now: 1000));
        calls.Release(counted);
        calls.Release(notYet);
        Assert.Equal(0, calls.SlowCount);
        calls.Admit(1000, 0);
        Assert.Equal(1, calls.CountReached(now: 1010));
    }

    [Fact]
    public void A_hung_probe_is_told_by_its_generation()
    {
        var calls = new InFlightCalls(threshold: 10);
        calls.Admit(0, probeGeneration: 0);
        calls.Admit(0, probeGeneration: 7);
        Assert.Equal(0, calls.HungProbeGeneration);

        calls.CountReached(now: 10);

        Assert.Equal(7, calls.HungProbeGeneration);
    }

    [Fact]
    public void Calls_admitted_after_a_forgotten_one_are_counted_while_it_still_runs()
    {
        var calls = new InFlightCalls(threshold: 10);
        var forgotten = calls.Admit(start: 0, probeGeneration: 0);
        calls.Forget();
        calls.Admit(start: 100, probeGeneration: 0);

        Assert.Equal(1, calls.CountReached(now: 110));
        calls.Release(forgotten);
        Assert.Equal(1, calls.SlowCount);
    }

    [Fact]
    public void A_counted_call_that_never_ends_leaves_its_slot_and_is_still_told_apart_when_it_ends()
    {
        const int capacity = InFlightCalls.KeyedCapacity; // one ring: the default's rings are one per processor
        var calls = new InFlightCalls(threshold: 10, capacity);
        var neverEnds = calls.Admit(start: 0, probeGeneration: 0);
        for (var i = 1; i < capacity; i++)
        {
            calls.Release(calls.Admit(start: 0, probeGeneration: 0));
        }

        Assert.Equal(-1, calls.Admit(start: 5, probeGeneration: 0)); // still under the threshold: it holds the ring
        Assert.Equal(1, calls.CountReached(now: 10));

        var admitted = Enumerable.Range(0, capacity).Select(_ => calls.Admit(start: 20, probeGeneration: 0)).ToList();
        Assert.DoesNotContain(-1L, admitted); // counted, it left the ring: every slot is free for new calls
        Assert.Equal(capacity, calls.CountReached(now: 30));
        Assert.Equal(capacity + 1, calls.SlowCount);

        calls.Release(neverEnds); // its old slot is another call's now
        Assert.Equal(capacity, calls.SlowCount);
        calls.Release(neverEnds);
        Assert.Equal(capacity, calls.SlowCount);
        calls.Release(admitted[0]);
        Assert.Equal(capacity - 1, calls.SlowCount);
    }

    [Fact]
    public void A_call_that_never_ends_pins_at_most_its_own_ring_and_the_others_keep_tracking()
    {
        var calls = new InFlightCalls(threshold: 10);
        calls.Admit(start: 0, probeGeneration: 0); // never ends
        var tracked = 0;
        for (var i = 1; i < 2 * InFlightCalls.DefaultCapacity; i++)
        {
            var handle = calls.Admit(start: 0, probeGeneration: 0);
            if (handle >= 0)
            {
                tracked++;
                calls.Release(handle);
            }
        }

        // One ring (the whole capacity on one processor) waits for it; with more, only its ring does.
        Assert.True(tracked >= InFlightCalls.DefaultCapacity - 1, $"{tracked} tracked");
        Assert.Equal(1, calls.CountReached(now: 10));
    }

    [Fact]
    public void A_call_released_without_the_lock_frees_its_slot_once_the_ring_is_compacted()
    {
        const int capacity = InFlightCalls.KeyedCapacity;
        var calls = new InFlightCalls(threshold: 10, capacity);
        var handles = Enumerable.Range(0, capacity).Select(i => calls.Admit(start: i, probeGeneration: 0)).ToList();
        Assert.All(handles, handle => Assert.True(calls.TryReleaseWithoutLock(handle)));
        Assert.All(handles, handle => Assert.False(calls.TryReleaseWithoutLock(handle))); // once only

        Assert.Equal(-1, calls.Admit(start: 100, probeGeneration: 0)); // freed, but not passed yet
        calls.Compact();
        Assert.NotEqual(-1, calls.Admit(start: 100, probeGeneration: 0));
        Assert.Equal(0, calls.CountReached(now: 109));
        Assert.Equal(1, calls.CountReached(now: 110)); // the freed ones never count
    }

    [Fact]
    public void A_counted_call_is_not_released_without_the_lock()
    {
        var calls = new InFlightCalls(threshold: 10);
        var handle = calls.Admit(start: 0, probeGeneration: 0);
        calls.CountReached(now: 10);

        Assert.False(calls.TryReleaseWithoutLock(handle));
        Assert.Equal(1, calls.SlowCount);
        calls.Release(handle);
        Assert.Equal(0, calls.SlowCount);
    }

    [Fact]
    public void The_oldest_start_says_when_a_running_call_may_have_reached_the_threshold()
    {
        var calls = new InFlightCalls(threshold: 10);
        Assert.False(calls.MayHaveReached(now: 1_000)); // nothing running

        var first = calls.Admit(start: 100, probeGeneration: 0);
        calls.Admit(start: 105, probeGeneration: 0);
        Assert.False(calls.MayHaveReached(now: 109));
        Assert.True(calls.MayHaveReached(now: 110));

        Assert.True(calls.TryReleaseWithoutLock(first));
        Assert.True(calls.MayHaveReached(now: 110)); // still the freed call's start: a judgement renews it
        Assert.Equal(0, calls.CountReached(now: 110));
        calls.MarkJudged();
        Assert.False(calls.MayHaveReached(now: 114));
        Assert.True(calls.MayHaveReached(now: 115));
        Assert.Equal(1, calls.CountReached(now: 115));
        calls.MarkJudged();
        Assert.False(calls.MayHaveReached(now: 10_000)); // counted: nothing left to judge
    }

    [Fact]
    public void A_forget_also_forgets_counted_calls_that_left_the_ring()
    {
        var calls = new InFlightCalls(threshold: 10);
        var counted = calls.Admit(start: 0, probeGeneration: 0);
        calls.CountReached(now: 10);
        calls.Release(calls.Admit(start: 10, probeGeneration: 0)); // the head passes the counted call

        calls.Forget();
        calls.Release(counted);

        Assert.Equal(0, calls.SlowCount);
    }

    [Fact]
    public void Slots_freed_before_a_forget_are_reused_afterwards()
    {
        var calls = new InFlightCalls(threshold: 10);
        var running = calls.Admit(start: 0, probeGeneration: 0);
        calls.Release(calls.Admit(start: 0, probeGeneration: 0)); // free, behind a running call
        calls.Forget();
        calls.Release(running);

        var admitted = Enumerable.Range(0, InFlightCalls.DefaultCapacity).Select(_ => calls.Admit(start: 0, probeGeneration: 0)).ToList();

        Assert.DoesNotContain(-1L, admitted); // the whole ring is free again
    }

    [Fact]
    public void A_keyed_breakers_smaller_ring_holds_its_capacity_and_no_more()
    {
        var calls = new InFlightCalls(threshold: 10, InFlightCalls.KeyedCapacity);

        var admitted = Enumerable.Range(0, InFlightCalls.KeyedCapacity).Select(i => calls.Admit(start: i, probeGeneration: 0)).ToList();

        Assert.DoesNotContain(-1L, admitted);
        Assert.Equal(-1, calls.Admit(start: 100, probeGeneration: 0)); // full: judged when it finishes
        calls.Release(admitted[0]);
        Assert.NotEqual(-1, calls.Admit(start: 100, probeGeneration: 0));
        Assert.Equal(9, calls.CountReached(now: 19)); // starts 1..9 have run for the threshold (0 was released)
    }

    [Fact]
    public void A_probe_is_counted_once_from_the_threshold_on_and_its_count_goes_when_it_ends()
    {
        var calls = new InFlightCalls(threshold: 10);
        var probe = calls.Admit(start: 100, probeGeneration: 3);
        Assert.False(calls.TryReleaseWithoutLock(probe)); // a probe ends under the lock
        Assert.False(calls.MayHaveReached(now: 109));
        Assert.True(calls.MayHaveReached(now: 110));

        Assert.Equal(0, calls.CountReached(now: 109));
        Assert.Equal(1, calls.CountReached(now: 110));
        Assert.Equal(0, calls.CountReached(now: 200));
        Assert.Equal((1, 3), (calls.SlowCount, calls.HungProbeGeneration));

        calls.Release(probe);
        Assert.Equal(0, calls.SlowCount);
    }

    [Fact]
    public void A_running_probe_keeps_the_oldest_start_after_older_calls_are_counted()
    {
        var calls = new InFlightCalls(threshold: 10);
        calls.Admit(start: 0, probeGeneration: 0);
        var probe = calls.Admit(start: 5, probeGeneration: 1);

        Assert.Equal(1, calls.CountReached(now: 12)); // the closed call; the probe is 7 in
        calls.MarkJudged();
        Assert.False(calls.MayHaveReached(now: 14));
        Assert.True(calls.MayHaveReached(now: 15)); // the probe's start is the oldest now

        calls.Release(probe); // never counted: the count stays the closed call's
        Assert.Equal(1, calls.SlowCount);
    }

    [Fact]
    public void Probes_past_the_first_few_are_tracked_and_ended_entries_are_reused()
    {
        var calls = new InFlightCalls(threshold: 10, InFlightCalls.KeyedCapacity);
        var probes = Enumerable.Range(1, 6).Select(i => calls.Admit(start: i, probeGeneration: i)).ToList();
        Assert.Equal(6, probes.Distinct().Count());

        calls.Release(probes[1]);
        var reused = calls.Admit(start: 50, probeGeneration: 7);
        Assert.Equal(probes[1], reused);

        Assert.Equal(5, calls.CountReached(now: 16)); // starts 1 and 3 to 6
        Assert.Equal(6, calls.HungProbeGeneration);
        Assert.Equal(1, calls.CountReached(now: 60));
        Assert.Equal(7, calls.HungProbeGeneration);
    }

    [Fact]
    public void A_forget_forgets_running_and_counted_probes()
    {
        var calls = new InFlightCalls(threshold: 10);
        var counted = calls.Admit(start: 0, probeGeneration: 1);
        calls.CountReached(now: 10);
        var running = calls.Admit(start: 10, probeGeneration: 2);

        calls.Forget();
        Assert.Equal((0, 0), (calls.SlowCount, calls.HungProbeGeneration));
        calls.MarkJudged();
        Assert.False(calls.MayHaveReached(now: 10_000)); // forgotten probes count for nothing until they end
        Assert.Equal(0, calls.CountReached(now: 10_000));

        calls.Release(counted);
        calls.Release(running);
        Assert.Equal(0, calls.SlowCount);
        Assert.Equal(0, calls.CountReached(now: 20_000));
    }

    [Fact]
    public void A_forget_renews_the_oldest_start_so_forgotten_calls_take_no_judgement()
    {
        var calls = new InFlightCalls(threshold: 10);
        for (var i = 0; i < InFlightCalls.DefaultCapacity; i++)
        {
            calls.Admit(start: 0, probeGeneration: 0); // every ring holds running calls
        }

        calls.Forget();

        Assert.False(calls.MayHaveReached(now: 1_000)); // they count for nothing: no admission takes the lock for them
    }

    [Fact]
    public void A_judgement_that_counts_nothing_leaves_no_call_to_judge()
    {
        var calls = new InFlightCalls(threshold: 10);
        var freed = calls.Admit(start: 100, probeGeneration: 0);
        calls.Admit(start: 105, probeGeneration: 0);
        Assert.True(calls.TryReleaseWithoutLock(freed));

        Assert.Equal(0, calls.CountReached(now: 110)); // the freed call's start was the oldest: a walk that counts nothing

        Assert.False(calls.MayHaveReached(now: 114)); // no judgement needed until the other call reaches the threshold
    }

    [Fact]
    public void A_forget_of_running_calls_and_probes_renews_the_oldest_start()
    {
        var calls = new InFlightCalls(threshold: 10);
        calls.Admit(start: 0, probeGeneration: 0);
        calls.Admit(start: 0, probeGeneration: 1);

        calls.Forget();

        Assert.False(calls.MayHaveReached(now: 1_000));
    }
}
