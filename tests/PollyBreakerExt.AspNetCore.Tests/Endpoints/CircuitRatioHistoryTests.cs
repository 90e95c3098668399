namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>
/// The ratio samples behind the page's charts: one a second per breaker, the last 300 (five minutes); keys' breakers of
/// keyed strategies only while their ratios are above 0, and at most 100 of them.
/// </summary>
public sealed class CircuitRatioHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_the_last_300_samples_of_each_breaker_oldest_first()
    {
        var history = new CircuitRatioHistory();
        for (var second = 0; second < 310; second++)
        {
            history.Record(Start.AddSeconds(second), [Breaker("a", failureRatio: second / 1000.0), Breaker("b", slowCallRatio: 0.5)]);
        }

        var samples = history.Copy();

        Assert.Equal(CircuitRatioHistory.Capacity, samples["a"].Length);
        Assert.Equal(Start.AddSeconds(10).ToUnixTimeMilliseconds(), samples["a"][0].T);
        Assert.Equal(Start.AddSeconds(309).ToUnixTimeMilliseconds(), samples["a"][^1].T);
        Assert.Equal(0.309, samples["a"][^1].FailureRatio);
        Assert.All(samples["b"], sample => Assert.Equal(0.5, sample.SlowCallRatio));
    }

    [Fact]
    public void Forgets_a_breaker_that_left_the_registry()
    {
        var history = new CircuitRatioHistory();
        history.Record(Start, [Breaker("a"), Breaker("b")]);

        history.Record(Start.AddSeconds(1), [Breaker("b")]);

        Assert.Equal(["b"], history.Copy().Keys);
    }

    [Fact]
    public void Ten_thousand_keys_breakers_keep_at_most_100_sampled_and_leave_with_their_keys()
    {
        var history = new CircuitRatioHistory();
        var keys = Enumerable.Range(0, 10_000).Select(i => Key($"tenant-{i}", failureRatio: 0.5)).ToList();
        history.Record(Start, [Breaker("a"), Breaker("b", slowCallRatio: 0.5), .. keys]);
        history.Record(Start.AddSeconds(1), [Breaker("a"), Breaker("b", slowCallRatio: 0.5), .. keys]);

        var samples = history.Copy();
        Assert.Equal(2 + CircuitRatioHistory.MaxKeyedBreakers, samples.Count);
        Assert.Equal(CircuitRatioHistory.MaxKeyedBreakers, history.KeyedCount);
        Assert.Contains("a", samples.Keys); // breakers without a key are always sampled, even at 0
        Assert.All(samples.Values, points => Assert.Equal(2, points.Length));

        history.Record(Start.AddSeconds(2), [Breaker("a"), Key("tenant-late", failureRatio: 1)]); // the 10,000 keys forgotten

        Assert.Equal(["a", "tenant-late"], history.Copy().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, history.KeyedCount);
    }

    [Fact]
    public void A_key_takes_a_place_once_in_trouble_and_gives_it_up_after_five_quiet_minutes()
    {
        var history = new CircuitRatioHistory();
        history.Record(Start, [Key("quiet"), Key("failing", failureRatio: 0.5)]);
        Assert.Equal(["failing"], history.Copy().Keys);

        for (var second = 1; second < CircuitRatioHistory.Capacity; second++)
        {
            history.Record(Start.AddSeconds(second), [Key("quiet"), Key("failing")]);
        }

        Assert.Equal(CircuitRatioHistory.Capacity, history.Copy()["failing"].Length); // 299 quiet samples: the chart still shows the failure
        history.Record(Start.AddSeconds(CircuitRatioHistory.Capacity), [Key("quiet"), Key("failing")]);
        Assert.Empty(history.Copy());
        Assert.Equal(0, history.KeyedCount);
    }

    [Fact]
    public void A_place_freed_by_a_key_that_left_goes_to_the_next_key_in_trouble()
    {
        var history = new CircuitRatioHistory();
        var full = Enumerable.Range(0, CircuitRatioHistory.MaxKeyedBreakers).Select(i => Key($"k{i}", slowCallRatio: 1)).ToList();
        history.Record(Start, [.. full, Key("late", slowCallRatio: 1)]);
        Assert.DoesNotContain("late", history.Copy().Keys);

        history.Record(Start.AddSeconds(1), [.. full.Skip(1), Key("late", slowCallRatio: 1)]);

        Assert.Contains("late", history.Copy().Keys);
        Assert.DoesNotContain("k0", history.Copy().Keys);
        Assert.Equal(CircuitRatioHistory.MaxKeyedBreakers, history.KeyedCount);
    }

    [Fact]
    public async Task Samples_each_second_of_the_apps_clock_and_the_stream_starts_with_them()
    {
        var time = new FakeTimeProvider(Start);
        var orders = new TestBreaker("orders");
        await using var app = await CircuitsApp.StartAsync([orders], time);
        app.Trip(orders);

        await app.AdvanceSecondsAsync(time, 3);
        await using var stream = await SseReader.OpenAsync(app.Client, "circuits/stream");
        var first = await stream.NextAsync();

        Assert.Equal("history", first?.Name);
        var samples = first!.Value.Data.GetProperty("samples").GetProperty(orders.Key).EnumerateArray().ToList();
        Assert.Equal(
            [Start.AddSeconds(1), Start.AddSeconds(2), Start.AddSeconds(3)],
            samples.Select(sample => DateTimeOffset.FromUnixTimeMilliseconds(sample.GetProperty("t").GetInt64())));
        Assert.All(samples, sample => Assert.Equal(1.0, sample.GetProperty("failureRatio").GetDouble()));
        Assert.All(samples, sample => Assert.Equal(0.0, sample.GetProperty("slowCallRatio").GetDouble()));
    }

    private static (string Key, string? BreakerKey, CircuitMetrics Metrics) Breaker(string key, double failureRatio = 0, double slowCallRatio = 0)
        => (key, null, new CircuitMetrics(10, 0, 0, failureRatio, slowCallRatio));

    /// <summary>A key's breaker of a keyed strategy, listed under <c>orders/breaker/{key}</c>.</summary>
    private static (string Key, string? BreakerKey, CircuitMetrics Metrics) Key(string key, double failureRatio = 0, double slowCallRatio = 0)
        => (key, key, new CircuitMetrics(10, 0, 0, failureRatio, slowCallRatio));
}
