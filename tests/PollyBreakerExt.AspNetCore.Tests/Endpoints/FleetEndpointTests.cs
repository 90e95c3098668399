using System.Net;
using System.Text.Json;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>
/// DESIGN W1, W3: with a Redis fleet registered, the endpoints show each breaker's replica and connection, and isolate and
/// close it on every replica. Two real Kestrel apps, each with its own connection and fleet, on one real redis-server.
/// </summary>
public sealed class FleetEndpointTests : IAsyncLifetime
{
    private static readonly TestBreaker Orders = new("orders");

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_list_shows_each_replicas_id_and_that_it_is_connected()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await using var b = await FleetApp.StartAsync(_server, "replica-b", Orders);

        await Eventually.HoldsAsync(() => a.Fleet.IsConnected && b.Fleet.IsConnected, "both fleets connect");

        var fleetA = Single(await ListAsync(a.App)).GetProperty("fleet");
        var fleetB = Single(await ListAsync(b.App)).GetProperty("fleet");
        Assert.Equal(["replicaId", "connected"], fleetA.EnumerateObject().Select(property => property.Name));
        Assert.Equal("replica-a", fleetA.GetProperty("replicaId").GetString());
        Assert.True(fleetA.GetProperty("connected").GetBoolean());
        Assert.Equal("replica-b", fleetB.GetProperty("replicaId").GetString());
        Assert.True(fleetB.GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task Isolate_on_one_replica_isolates_the_breaker_on_the_other_and_close_closes_both()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await using var b = await FleetApp.StartAsync(_server, "replica-b", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected && b.Fleet.IsConnected, "both fleets connect");

        using (var isolated = await a.App.Client.SendAsync(Command($"circuits/{Orders.EncodedKey}/isolate")))
        {
            Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        }

        Assert.Equal(CircuitState.Isolated, a.App.StateOf(Orders));
        await Eventually.HoldsAsync(() => b.App.StateOf(Orders) == CircuitState.Isolated, "replica B's breaker isolates");
        var onB = Single(await ListAsync(b.App));
        Assert.Equal("Isolated", onB.GetProperty("state").GetString());
        Assert.Equal("Manual", onB.GetProperty("lastReason").GetString());
        Assert.Throws<IsolatedCircuitException>(() => b.App.Pipeline(Orders).Execute(static () => { }));

        using (var closed = await a.App.Client.SendAsync(Command($"circuits/{Orders.EncodedKey}/close")))
        {
            Assert.Equal(HttpStatusCode.NoContent, closed.StatusCode);
        }

        Assert.Equal(CircuitState.Closed, a.App.StateOf(Orders));
        await Eventually.HoldsAsync(() => b.App.StateOf(Orders) == CircuitState.Closed, "replica B's breaker closes");
        Assert.Equal("Manual", Single(await ListAsync(b.App)).GetProperty("lastReason").GetString());
        b.App.Pipeline(Orders).Execute(static () => { });
        Assert.Empty(a.App.Errors());
        Assert.Empty(b.App.Errors());
    }

    [Fact]
    public async Task Close_on_one_replica_closes_a_breaker_the_other_isolated()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await using var b = await FleetApp.StartAsync(_server, "replica-b", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected && b.Fleet.IsConnected, "both fleets connect");

        using (var isolated = await b.App.Client.SendAsync(Command($"circuits/{Orders.EncodedKey}/isolate")))
        {
            Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        }

        await Eventually.HoldsAsync(() => a.App.StateOf(Orders) == CircuitState.Isolated, "replica A's breaker isolates");
        using (var closed = await a.App.Client.SendAsync(Command($"circuits/{Orders.EncodedKey}/close")))
        {
            Assert.Equal(HttpStatusCode.NoContent, closed.StatusCode);
        }

        await Eventually.HoldsAsync(() => b.App.StateOf(Orders) == CircuitState.Closed, "replica B's breaker closes");
    }

    [Fact]
    public async Task The_list_shows_a_replica_disconnected_while_redis_is_down()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected, "the fleet connects");

        await _server.StopAsync();
        await Eventually.HoldsAsync(() => !a.Fleet.IsConnected, "the fleet notices");

        var fleet = Single(await ListAsync(a.App)).GetProperty("fleet");
        Assert.Equal("replica-a", fleet.GetProperty("replicaId").GetString());
        Assert.False(fleet.GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task Isolate_while_redis_is_down_isolates_here_and_answers_503_naming_the_fleet()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected, "the fleet connects");
        await _server.StopAsync();
        await Eventually.HoldsAsync(() => !a.Fleet.IsConnected, "the fleet notices");

        using var response = await a.App.Client.SendAsync(Command($"circuits/{Orders.EncodedKey}/isolate"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Fleet unreachable", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("this replica only", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Isolated, a.App.StateOf(Orders));
        Assert.Empty(a.App.Errors());
    }

    [Fact]
    public async Task A_breaker_whose_options_name_a_fleet_of_its_own_shows_no_fleet_and_is_isolated_here_only()
    {
        var own = new TestBreaker("own") { Configure = options => options.Fleet = new OwnFleet() };
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders, own);
        await using var b = await FleetApp.StartAsync(_server, "replica-b", Orders, own);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected && b.Fleet.IsConnected, "both fleets connect");

        var listed = (await ListAsync(a.App)).RootElement.EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Object, listed[0].GetProperty("fleet").ValueKind);
        Assert.Equal(JsonValueKind.Null, listed[1].GetProperty("fleet").ValueKind);
        using (var isolated = await a.App.Client.SendAsync(Command($"circuits/{own.EncodedKey}/isolate")))
        {
            Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        }

        Assert.Equal(CircuitState.Isolated, a.App.StateOf(own));
        Assert.Equal(CircuitState.Closed, a.App.StateOf(Orders));
        Assert.Equal(CircuitState.Closed, b.App.StateOf(own));
    }

    private static JsonElement Single(JsonDocument list) => Assert.Single(list.RootElement.EnumerateArray().ToList());

    private static async Task<JsonDocument> ListAsync(CircuitsApp app)
    {
        using var response = await app.Client.GetAsync("circuits");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static HttpRequestMessage Command(string path)
        => new(HttpMethod.Post, path) { Headers = { { "X-PollyBreakerExt", "1" } } };

    /// <summary>A fleet a breaker's options name, which keeps it out of the container's Redis fleet.</summary>
    private sealed class OwnFleet : ICircuitBreakerFleet
    {
        public void Join(CircuitBreakerFleetMember member)
        {
        }

        public void Leave(CircuitBreakerFleetMember member)
        {
        }

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
