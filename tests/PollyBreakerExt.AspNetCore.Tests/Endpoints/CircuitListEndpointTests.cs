using System.Net;
using Microsoft.AspNetCore.Builder;
using System.Text.Json;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary><c>GET /circuits</c>: one camelCase object per breaker of the registry, with the fields of DESIGN W3.</summary>
public sealed class CircuitListEndpointTests
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");

    [Fact]
    public async Task Lists_every_breaker_with_the_W3_fields_in_camelCase()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders, Payments], time);

        using var response = await app.Client.GetAsync("circuits");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var breakers = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, breakers.Count);

        var orders = breakers[0];
        Assert.Equal(
            ["key", "pipelineName", "instanceName", "strategyName", "state", "lastReason", "stateSince", "openSince", "retryAfterMs", "metrics", "rejectedCalls", "fleet"],
            orders.EnumerateObject().Select(property => property.Name));
        Assert.Equal("orders/breaker", orders.GetProperty("key").GetString());
        Assert.Equal("orders", orders.GetProperty("pipelineName").GetString());
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("instanceName").ValueKind);
        Assert.Equal("breaker", orders.GetProperty("strategyName").GetString());
        Assert.Equal("Closed", orders.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("lastReason").ValueKind);
        Assert.Equal(time.GetUtcNow(), orders.GetProperty("stateSince").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("openSince").ValueKind);
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("retryAfterMs").ValueKind);
        Assert.Equal(
            ["calls", "failures", "slowCalls", "failureRatio", "slowCallRatio"],
            orders.GetProperty("metrics").EnumerateObject().Select(property => property.Name));
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("fleet").ValueKind);

        var payments = breakers[1];
        Assert.Equal("payments/https://pay.example:443/payments-breaker", payments.GetProperty("key").GetString());
        Assert.Equal("https://pay.example:443", payments.GetProperty("instanceName").GetString());
    }

    [Fact]
    public async Task After_a_failed_probe_the_incident_still_dates_from_the_trip_while_the_state_dates_from_the_reopening()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);
        app.Trip(Orders);
        var trippedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(30)); // the break elapses
        app.Trip(Orders); // the probe fails: open again
        var reopenedAt = time.GetUtcNow();

        var orders = Assert.Single((await GetListAsync(app)).EnumerateArray());

        Assert.Equal("HalfOpenProbeFailed", orders.GetProperty("lastReason").GetString());
        Assert.Equal(reopenedAt, orders.GetProperty("stateSince").GetDateTimeOffset());
        Assert.Equal(trippedAt, orders.GetProperty("openSince").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_open_breaker_shows_why_since_when_how_long_it_stays_open_and_its_window()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders], time);
        time.Advance(TimeSpan.FromSeconds(5));
        app.Trip(Orders);
        var trippedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(30)); // within the 60 s window, which still holds the failure
        app.Reject(Orders);
        app.Reject(Orders);

        var orders = Assert.Single((await GetListAsync(app)).EnumerateArray());

        Assert.Equal("Open", orders.GetProperty("state").GetString());
        Assert.Equal("FailureThreshold", orders.GetProperty("lastReason").GetString());
        Assert.Equal(trippedAt, orders.GetProperty("stateSince").GetDateTimeOffset());
        Assert.Equal(trippedAt, orders.GetProperty("openSince").GetDateTimeOffset());
        Assert.Equal((30 * 60 * 1000) - (30 * 1000), orders.GetProperty("retryAfterMs").GetInt64());
        Assert.Equal(2, orders.GetProperty("rejectedCalls").GetInt64());
        var metrics = orders.GetProperty("metrics");
        Assert.Equal(1, metrics.GetProperty("calls").GetInt32());
        Assert.Equal(1, metrics.GetProperty("failures").GetInt32());
        Assert.Equal(0, metrics.GetProperty("slowCalls").GetInt32());
        Assert.Equal(1.0, metrics.GetProperty("failureRatio").GetDouble());
        Assert.Equal(0.0, metrics.GetProperty("slowCallRatio").GetDouble());
    }

    [Fact]
    public async Task An_isolated_breaker_is_rejecting_without_a_retry_after_and_its_reason_is_manual()
    {
        await using var app = await CircuitsApp.StartAsync([Orders], new FakeTimeProvider());
        await app.Registry.IsolateAsync("orders");

        var orders = Assert.Single((await GetListAsync(app)).EnumerateArray());

        Assert.Equal("Isolated", orders.GetProperty("state").GetString());
        Assert.Equal("Manual", orders.GetProperty("lastReason").GetString());
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("retryAfterMs").ValueKind);
    }

    [Fact]
    public async Task An_empty_registry_is_an_empty_array()
    {
        await using var app = await CircuitsApp.StartAsync([]);

        Assert.Equal("[]", await app.Client.GetStringAsync("circuits"));
    }

    [Fact]
    public async Task Mapping_without_the_registry_names_the_call_that_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapSlowCallCircuitBreakers());

        Assert.Contains("AddSlowCallCircuitBreakerRegistry", error.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetListAsync(CircuitsApp app)
        => JsonDocument.Parse(await app.Client.GetStringAsync("circuits")).RootElement;
}
