using PollyBreakerExt.Tests.Utils;
using Xunit.Abstractions;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10: a keyed strategy's memory is bounded by MaxKeys, whatever the number of distinct keys. Run alone, so that
/// what other tests allocate meanwhile is not counted.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class KeyedCircuitBreakersMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void A_million_distinct_keys_keep_at_most_MaxKeys_breakers_live()
    {
        const int MaxKeys = 10_000;
        var breaker = new KeyedBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { MaxKeys = MaxKeys, KeyIdleTimeout = null });
        var peak = 0;

        for (var i = 0; i < 1_000_000; i++)
        {
            breaker.Succeed(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            peak = Math.Max(peak, breaker.Provider.KeyCount);
        }

        Assert.Equal(1_000_000, breaker.Keys.Created);
        Assert.InRange(peak, 1, MaxKeys);
        output.WriteLine($"peak live breakers: {peak}");
    }

    [Fact]
    public void Bytes_per_key_are_measured_after_a_full_collection()
    {
        const int Keys = 10_000;
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { KeySelector = static context => context.Properties.GetValue(KeyedBreaker.TenantKey, null), MaxKeys = Keys };
        var breaker = new KeyedBreaker(options);
        var names = Enumerable.Range(0, Keys).Select(i => $"tenant-{i:D5}").ToArray();
        breaker.Succeed(names[0]);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var name in names)
        {
            breaker.Succeed(name);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(breaker);
        var perKey = (after - before) / (Keys - 1);

        output.WriteLine($"default options (time-based window, in-flight slow calls on): {perKey} bytes per key");
        Assert.Equal(Keys, breaker.Provider.KeyCount);
        Assert.InRange(perKey, 1, 4_096); // 3,320 when measured: the 64-call ring of running calls and the window are most of it
    }
}
