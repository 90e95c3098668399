using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10: past <c>MaxKeys</c>, the call that added a key sweeps: it forgets the least recently used forgettable
/// breakers down to <c>MaxKeys</c> less a sixteenth, and when too few are forgettable the next sweep waits for a sixteenth
/// more keys.
/// </summary>
public class KeyedCircuitBreakersSweepTests
{
    private static KeyedBreaker Keyed(int maxKeys, TimeSpan? idle = null, ICircuitBreakerFleet? fleet = null)
    {
        var options = NewOptions(failureThreshold: 3);
        options.MaxKeys = maxKeys;
        options.KeyIdleTimeout = idle;
        options.Fleet = fleet;
        return new KeyedBreaker(options);
    }

    private static string[] Present(KeyedBreaker breaker, IEnumerable<string> keys)
        => keys.Where(key => breaker.Keys.Find(key) is not null).ToArray();

    private static void OnAnotherThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }

    [Fact]
    public void A_sweep_forgets_the_least_recently_used_down_to_MaxKeys_less_a_sixteenth_and_the_next_comes_past_MaxKeys_again()
    {
        var breaker = Keyed(maxKeys: 16);
        var keys = Enumerable.Range(0, 19).Select(i => $"k{i}").ToArray();
        for (var i = 0; i < 16; i++)
        {
            breaker.Succeed(keys[i]);
            breaker.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(42, breaker.Succeed(keys[16]).Result); // the 17th key: down to 15

        Assert.Equal(keys[2..17], Present(breaker, keys));
        Assert.Equal(15, breaker.Provider.KeyCount);

        breaker.Succeed(keys[17]); // 16: no sweep
        Assert.Equal(16, breaker.Provider.KeyCount);
        OnAnotherThread(() => breaker.Succeed(keys[18])); // 17: down to 15 again, whichever thread swept before

        Assert.Equal(keys[4..19], Present(breaker, keys));
    }

    [Fact]
    public void With_fewer_forgettable_breakers_than_the_excess_a_sweep_forgets_them_all_and_the_call_runs()
    {
        var breaker = Keyed(maxKeys: 16);
        var open = Enumerable.Range(0, 15).Select(i => $"open-{i}").ToArray();
        foreach (var key in open)
        {
            breaker.Open(key);
        }

        breaker.Succeed("closed");
        breaker.Time.Advance(TimeSpan.FromSeconds(1));

        var outcome = breaker.Succeed("new"); // 17 keys, an excess of 2, and only "closed" is forgettable

        Assert.Equal(42, outcome.Result);
        Assert.Null(breaker.Keys.Find("closed"));
        Assert.Equal(open.Append("new"), Present(breaker, open.Append("closed").Append("new")));
    }

    [Fact]
    public void When_too_few_are_forgettable_the_next_sweep_waits_for_a_sixteenth_more_keys()
    {
        var breaker = Keyed(maxKeys: 32);
        for (var i = 0; i < 32; i++)
        {
            breaker.Open($"open-{i}");
        }

        string[] added = ["x33", "x34", "x35", "x36"];
        breaker.Succeed("x33"); // 33 keys: a sweep that finds nothing to forget; the next one past 33 + 33/16 = 35
        breaker.Succeed("x34");
        breaker.Succeed("x35");

        Assert.Equal(35, breaker.Provider.KeyCount);
        Assert.Equal(added[..3], Present(breaker, added));

        breaker.Succeed("x36"); // 36: the sweep forgets the closed keys but the one it added

        Assert.Equal(33, breaker.Provider.KeyCount);
        Assert.Equal(["x36"], Present(breaker, added));
    }

    [Fact]
    public void A_key_added_past_MaxKeys_while_the_idle_check_forgets_is_served_at_once_and_leaves_the_forgetting_to_that_check()
    {
        var fleet = new HookedFleet();
        var breaker = Keyed(maxKeys: 2, idle: TimeSpan.FromSeconds(10), fleet: fleet);
        breaker.Succeed("old");
        breaker.Time.Advance(TimeSpan.FromSeconds(5));
        breaker.Succeed("b");
        Outcome<int>? added = null;
        fleet.OnLeave = member =>
        {
            // The idle check holds the sweep lock while it forgets "old": another thread adds two keys meanwhile.
            fleet.OnLeave = null;
            var other = new Thread(() =>
            {
                breaker.Succeed("c");
                added = breaker.Succeed("d"); // 3 keys past MaxKeys 2: a sweep is due, but one is under way
            });
            other.Start();
            other.Join();
        };

        breaker.Time.Advance(TimeSpan.FromSeconds(5)); // "old" idle for 10 s

        Assert.Equal(42, added!.Value.Result);
        Assert.Equal(["b", "c", "d"], Present(breaker, ["old", "b", "c", "d"]));
    }

    [Fact]
    public async Task A_sweep_that_finds_the_idle_check_already_brought_the_count_down_leaves_the_next_sweep_where_it_was()
    {
        var breaker = Keyed(maxKeys: 16, idle: TimeSpan.FromSeconds(10));
        var held = Enumerable.Range(0, 16).Select(i => $"held-{i}").ToArray();
        foreach (var key in held)
        {
            breaker.Succeed(key);
            await breaker.Keys.Find(key)!.IsolateAsync(); // isolated by its own handle: not forgettable
        }

        breaker.Succeed("n1"); // 17 keys, none forgettable: the next sweep past 17 + 1 = 18
        foreach (var key in held)
        {
            await breaker.Keys.Find(key)!.CloseAsync();
        }

        breaker.Succeed("n2"); // 18: no sweep
        breaker.Time.Advance(TimeSpan.FromSeconds(5));
        foreach (var key in held[2..])
        {
            breaker.Succeed(key); // used at 5 s: not idle at the check at 10 s
        }

        breaker.Telemetry.OnWrite = name =>
        {
            if (name == SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated)
            {
                // While n3's breaker is announced, the idle check at 10 s forgets held-0, held-1, n1 and n2: 15 keys left.
                breaker.Telemetry.OnWrite = null;
                breaker.Time.Advance(TimeSpan.FromSeconds(5));
            }
        };
        breaker.Succeed("n3"); // 19 past 18: its sweep finds 15 keys, nothing to forget
        Assert.Equal(15, breaker.Provider.KeyCount);

        breaker.Succeed("n4");
        breaker.Succeed("n5"); // 17, not past 18: no sweep

        Assert.Equal(17, breaker.Provider.KeyCount);
    }

    private sealed class HookedFleet : ICircuitBreakerFleet
    {
        public Action<CircuitBreakerFleetMember>? OnLeave { get; set; }

        public void Join(CircuitBreakerFleetMember member)
        {
        }

        public void Leave(CircuitBreakerFleetMember member) => OnLeave?.Invoke(member);

        public void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args)
        {
        }

        public bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }
}
