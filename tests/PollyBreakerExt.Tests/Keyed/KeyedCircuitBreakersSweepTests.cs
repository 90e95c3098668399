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
        breaker.Succeed(keys[18]); // 17: down to 15 again

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
