using System.Net;
using Microsoft.AspNetCore.Builder;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>
/// <c>GET /circuits/stream</c>: server-sent events, a snapshot at once and each second, an event per transition as it
/// happens; and nothing left behind when a client leaves or the app stops.
/// </summary>
public sealed class CircuitEventStreamTests
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");

    // Real time only bounds how long a broken test waits; the stream's own clock is the fake one.
    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Fact]
    public async Task Sends_a_snapshot_of_every_breaker_at_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders, Payments], time);

        await using var stream = await SseReader.OpenAsync(app.Client, "circuits/stream", Deadline);
        var snapshot = await stream.NextAsync("snapshot", Deadline);

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(time.GetUtcNow(), snapshot.GetProperty("now").GetDateTimeOffset());
        Assert.Equal(
            [Orders.Key, Payments.Key],
            snapshot.GetProperty("breakers").EnumerateArray().Select(breaker => breaker.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task Sends_a_snapshot_each_second()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);
        await using var stream = await SseReader.OpenAsync(app.Client, "circuits/stream", Deadline);
        await stream.NextAsync("snapshot", Deadline);

        time.Advance(TimeSpan.FromSeconds(1));
        var second = await stream.NextAsync("snapshot", Deadline);
        time.Advance(TimeSpan.FromSeconds(1));
        var third = await stream.NextAsync("snapshot", Deadline);

        Assert.Equal(time.GetUtcNow() - TimeSpan.FromSeconds(1), second.GetProperty("now").GetDateTimeOffset());
        Assert.Equal(time.GetUtcNow(), third.GetProperty("now").GetDateTimeOffset());
    }

    [Fact]
    public async Task Sends_each_transition_as_it_happens()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders, Payments], time);
        await using var stream = await SseReader.OpenAsync(app.Client, "circuits/stream", Deadline);
        await stream.NextAsync("snapshot", Deadline);

        app.Trip(Payments); // no time passes: no snapshot is due, only the transition is sent
        var transition = await stream.NextAsync("transition", Deadline);

        Assert.Equal(Payments.Key, transition.GetProperty("key").GetString());
        Assert.Equal(time.GetUtcNow(), transition.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("Closed", transition.GetProperty("from").GetString());
        Assert.Equal("Open", transition.GetProperty("to").GetString());
        Assert.Equal("FailureThreshold", transition.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Tells_the_browser_to_reconnect_after_a_second()
    {
        await using var app = await CircuitsApp.StartAsync([Orders], new FakeTimeProvider());
        using var response = await app.Client.GetAsync("circuits/stream", HttpCompletionOption.ResponseHeadersRead, Deadline);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Deadline));

        Assert.Equal("retry: 1000", await reader.ReadLineAsync(Deadline));
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_hundred_concurrent_clients_all_get_events_and_leave_nothing_subscribed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);

        var streams = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            var stream = await SseReader.OpenAsync(app.Client, "circuits/stream", Deadline);
            await stream.NextAsync("snapshot", Deadline);
            return stream;
        }));
        Assert.Equal(100, app.History.SubscriberCount);

        app.Trip(Orders);
        var transitions = await Task.WhenAll(streams.Select(stream => stream.NextAsync("transition", Deadline)));
        Assert.All(transitions, transition => Assert.Equal("Open", transition.GetProperty("to").GetString()));

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        await WaitUntilAsync(() => app.History.SubscriberCount == 0);
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task Streams_end_when_the_app_stops()
    {
        var app = await CircuitsApp.StartAsync([Orders]);
        await using var stream = await SseReader.OpenAsync(app.Client, "circuits/stream", Deadline);
        await stream.NextAsync("snapshot", Deadline);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.App.StopAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "the app waited for the stream to end instead of ending it");
        Assert.Null(await DrainAsync(stream));
        Assert.Equal(0, app.History.SubscriberCount);
        Assert.Empty(app.Errors());
        await app.DisposeAsync();
    }

    private static async Task<(string, System.Text.Json.JsonElement)?> DrainAsync(SseReader stream)
    {
        while (await stream.NextAsync(Deadline) is { } next)
        {
            _ = next;
        }

        return null;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The server notices a client left when its connection closes, shortly after; polling bounds the wait.
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        }

        Assert.True(condition());
    }
}
