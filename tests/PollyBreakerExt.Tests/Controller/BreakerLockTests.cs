namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// The breaker's own lock (issue #19: a compare-and-swap to enter, a plain store to leave): it must exclude, make what one
/// holder wrote visible to the next, and let a waiter in once the holder leaves, even when the holder is descheduled.
/// </summary>
public class BreakerLockTests
{
    [Fact]
    public void Threads_that_contend_for_it_never_hold_it_at_once_and_see_each_others_writes()
    {
        var gate = new BreakerLock();
        long counter = 0; // a plain read-modify-write: only exclusion keeps every increment
        var inside = 0;
        var overlapped = false;
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, 4 * Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            start.Wait();
            for (var i = 0; i < 100_000; i++)
            {
                using (gate.EnterScope())
                {
                    overlapped |= Interlocked.Increment(ref inside) != 1;
                    counter++;
                    Interlocked.Decrement(ref inside);
                }
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        start.Set();
        threads.ForEach(t => t.Join());

        Assert.False(overlapped);
        Assert.Equal(threads.Count * 100_000L, counter);
    }

    [Fact]
    public void A_waiter_enters_once_the_holder_leaves_and_not_before()
    {
        var gate = new BreakerLock();
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (gate.EnterScope())
            {
                held.Set();
                release.Wait();
            }
        });
        holder.Start();
        held.Wait();

        var waiter = new Thread(() =>
        {
            using (gate.EnterScope())
            {
                entered.Set();
            }
        });
        waiter.Start();
        var enteredWhileHeld = entered.Wait(TimeSpan.FromMilliseconds(200)); // real time: only a bound on a wait that must not end
        release.Set();
        holder.Join();

        Assert.False(enteredWhileHeld);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        waiter.Join();
    }
}
