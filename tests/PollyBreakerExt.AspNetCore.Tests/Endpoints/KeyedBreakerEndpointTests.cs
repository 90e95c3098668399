using System.Net;
using System.Text.Json;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>A keyed strategy's breakers (DESIGN W10) on the operator endpoints: one entry per key, steered one key at a time.</summary>
public sealed class KeyedBreakerEndpointTests
{
    private static readonly ResiliencePropertyKey<string> Tenant = new("tenant");

    private static readonly TestBreaker Orders = new("orders")
    {
        Configure = options => options.KeySelector = context => context.Properties.GetValue(Tenant, null!),
    };

    [Fact]
    public async Task Get_circuits_lists_each_keys_breaker_with_its_key()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        Call(app, "tenant-a", fail: true); // trips tenant-a's breaker only
        Call(app, "tenant-b", fail: false);

        using var response = await app.Client.GetAsync("circuits");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var byKey = json.RootElement.EnumerateArray().ToDictionary(breaker => breaker.GetProperty("key").GetString()!);
        Assert.Equal(["orders/breaker", "orders/breaker/tenant-a", "orders/breaker/tenant-b"], byKey.Keys.Order(StringComparer.Ordinal));
        Assert.False(byKey["orders/breaker"].TryGetProperty("breakerKey", out _)); // the shared default breaker has no key
        Assert.Equal("tenant-a", byKey["orders/breaker/tenant-a"].GetProperty("breakerKey").GetString());
        Assert.Equal("Open", byKey["orders/breaker/tenant-a"].GetProperty("state").GetString());
        Assert.Equal("Closed", byKey["orders/breaker/tenant-b"].GetProperty("state").GetString());
        Assert.Equal("breaker", byKey["orders/breaker/tenant-a"].GetProperty("strategyName").GetString());
    }

    [Fact]
    public async Task Each_keys_breaker_shows_the_calls_it_rejected_itself()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        Call(app, "tenant-a", fail: true);
        Call(app, "tenant-b", fail: false);
        Assert.Throws<BrokenCircuitException>(() => Call(app, "tenant-a", fail: false));
        Assert.Throws<BrokenCircuitException>(() => Call(app, "tenant-a", fail: false));

        using var response = await app.Client.GetAsync("circuits");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rejected = json.RootElement.EnumerateArray().ToDictionary(
            breaker => breaker.GetProperty("key").GetString()!,
            breaker => breaker.GetProperty("rejectedCalls").GetInt64());
        Assert.Equal(2, rejected["orders/breaker/tenant-a"]);
        Assert.Equal(0, rejected["orders/breaker/tenant-b"]);
        Assert.Equal(0, rejected["orders/breaker"]); // the shared default breaker rejected nothing either
    }

    [Fact]
    public async Task Isolating_a_keys_breaker_isolates_that_key_only()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        Call(app, "tenant-a", fail: false);
        Call(app, "tenant-b", fail: false);

        using var isolated = await app.Client.SendAsync(
            CircuitCommandEndpointTests.Command(HttpMethod.Post, $"circuits/{Uri.EscapeDataString("orders/breaker/tenant-a")}/isolate"));

        Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        Assert.Throws<IsolatedCircuitException>(() => Call(app, "tenant-a", fail: false));
        Call(app, "tenant-b", fail: false);
        Call(app, null, fail: false);
    }

    private static void Call(CircuitsApp app, string? tenant, bool fail)
    {
        var context = ResilienceContextPool.Shared.Get();
        if (tenant is not null)
        {
            context.Properties.Set(Tenant, tenant);
        }

        try
        {
            if (fail)
            {
                Assert.Throws<InvalidOperationException>(() => app.Pipeline(Orders).Execute(static _ => throw new InvalidOperationException("upstream failed"), context));
            }
            else
            {
                app.Pipeline(Orders).Execute(static _ => { }, context);
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
