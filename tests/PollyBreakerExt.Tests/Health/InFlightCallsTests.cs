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
    public void More_running_calls_than_slots_grow_the_ring_keeping_their_order()
    {
        var calls = new InFlightCalls(threshold: 10, capacity: 2);
        var sequences = Enumerable.Range(0, 100).Select(i => calls.Admit(start: i, probeGeneration: 0)).ToList();
        foreach (var sequence in sequences.Where(s => s % 3 == 0))
        {
            calls.Release(sequence);
        }

        Assert.Equal(Enumerable.Range(0, 51).Count(i => i % 3 != 0), calls.CountReached(now: 60)); // started at 0..50
        Assert.Equal(Enumerable.Range(51, 49).Count(i => i % 3 != 0), calls.CountReached(now: 1000)); // the rest
        Assert.Equal(Enumerable.Range(0, 100).Count(i => i % 3 != 0), calls.SlowCount);
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
}
