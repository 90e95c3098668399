namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>The ratio samples behind the page's charts: one a second per breaker, the last 300 (five minutes).</summary>
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

    private static (string Key, CircuitMetrics Metrics) Breaker(string key, double failureRatio = 0, double slowCallRatio = 0)
        => (key, new CircuitMetrics(10, 0, 0, failureRatio, slowCallRatio));
}
