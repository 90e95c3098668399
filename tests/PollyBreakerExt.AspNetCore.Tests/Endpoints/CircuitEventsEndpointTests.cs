using System.Net;
using System.Text.Json;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary><c>GET /circuits/{key}/events</c>: the breaker's last 100 transitions, newest first.</summary>
public sealed class CircuitEventsEndpointTests
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");

    [Fact]
    public async Task Lists_transitions_newest_first_with_when_from_to_and_why()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);
        app.Trip(Orders);
        var openedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(7));
        await app.Registry.IsolateAsync("orders");
        var isolatedAt = time.GetUtcNow();

        var events = await GetEventsAsync(app, Orders.EncodedKey);

        Assert.Equal(2, events.Count);
        Assert.Equal(["at", "from", "to", "reason"], events[0].EnumerateObject().Select(property => property.Name));
        Assert.Equal(isolatedAt, events[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal("Open", events[0].GetProperty("from").GetString());
        Assert.Equal("Isolated", events[0].GetProperty("to").GetString());
        Assert.Equal("Manual", events[0].GetProperty("reason").GetString());
        Assert.Equal(openedAt, events[1].GetProperty("at").GetDateTimeOffset());
        Assert.Equal("Closed", events[1].GetProperty("from").GetString());
        Assert.Equal("Open", events[1].GetProperty("to").GetString());
        Assert.Equal("FailureThreshold", events[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Keeps_only_the_last_100_transitions()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);
        for (var i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await app.Registry.IsolateAsync("orders");
            time.Advance(TimeSpan.FromSeconds(1));
            await app.Registry.CloseAsync("orders");
        }

        var events = await GetEventsAsync(app, Orders.EncodedKey);

        Assert.Equal(100, events.Count);
        var times = events.Select(transition => transition.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(time.GetUtcNow(), times[0]);
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromSeconds(99), times[^1]); // the 20 oldest of 120 are gone
        Assert.Equal(times.OrderByDescending(at => at), times);
        Assert.Equal("Closed", events[0].GetProperty("to").GetString());
    }

    [Fact]
    public async Task A_breaker_without_transitions_has_an_empty_history()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        Assert.Empty(await GetEventsAsync(app, Orders.EncodedKey));
    }

    [Theory]
    [InlineData("payments%2Fhttps%3A%2F%2Fpay.example%3A443%2Fpayments-breaker")] // encoded, as the page sends it
    [InlineData("payments/https:%2F%2Fpay.example:443/payments-breaker")]
    [InlineData("payments/https://pay.example:443/payments-breaker")] // slashes as they are
    public async Task Finds_a_breaker_whose_key_has_slashes_however_they_are_sent(string key)
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments]);
        app.Trip(Payments);

        var events = await GetEventsAsync(app, key);

        Assert.Equal("FailureThreshold", Assert.Single(events).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_unknown_key_is_404_naming_the_key()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var response = await app.Client.GetAsync("circuits/no-such%2Fbreaker/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-such/breaker", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> GetEventsAsync(CircuitsApp app, string key)
    {
        using var response = await app.Client.GetAsync($"circuits/{key}/events");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray()];
    }
}
