namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F6: isolate and close fleet-wide, persisted for replicas that join later.</summary>
public sealed class FleetManualControlTests : IAsyncLifetime
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Isolate_isolates_every_replica_and_later_joiners_and_close_closes_them_all_for_good()
    {
        await using var r0 = await Replica.StartAsync(_server);
        await using var r1 = await Replica.StartAsync(_server);
        var b0 = r0.Breaker("payments", Break);
        var b1 = r1.Breaker("payments", Break);

        await r0.Fleet.IsolateAsync("payments");

        Assert.Equal(CircuitState.Isolated, b0.State);
        await Eventually.HoldsAsync(() => b1.IsHeardIn(CircuitState.Isolated), "the other replica isolates");
        Assert.Equal(CircuitTransitionReason.Manual, b1.TransitionsSoFar()[^1].Reason);
        Assert.IsType<IsolatedCircuitException>(b1.Succeed().Exception);

        await using var later = await Replica.StartAsync(_server);
        var joiner = later.Breaker("payments", Break);
        await Eventually.HoldsAsync(() => joiner.State == CircuitState.Isolated, "a later joiner starts isolated");

        await r1.Fleet.CloseAsync("payments");

        await Eventually.HoldsAsync(() => new[] { b0, b1, joiner }.All(breaker => breaker.State == CircuitState.Closed) && b0.IsHeardIn(CircuitState.Closed), "every replica closes");
        Assert.Equal(CircuitTransitionReason.Manual, b0.TransitionsSoFar()[^1].Reason);
        await using var muchLater = await Replica.StartAsync(_server);
        var lateJoiner = muchLater.Breaker("payments", Break);
        await Task.Delay(500);
        Assert.Equal(CircuitState.Closed, lateJoiner.State);
        Assert.Equal(42, lateJoiner.Succeed().Result);
    }

    [Fact]
    public async Task Close_ends_an_open_fleet_on_every_replica()
    {
        await using var r0 = await Replica.StartAsync(_server);
        await using var r1 = await Replica.StartAsync(_server);
        var b0 = r0.Breaker("payments", Break);
        var b1 = r1.Breaker("payments", Break);
        b0.Fail();
        await Eventually.HoldsAsync(() => b1.State == CircuitState.Open, "the fleet opens");

        await r1.Fleet.CloseAsync("payments");

        await Eventually.HoldsAsync(() => b0.State == CircuitState.Closed && b1.State == CircuitState.Closed, "every replica closes");
        await using var later = await Replica.StartAsync(_server);
        var joiner = later.Breaker("payments", Break);
        await Task.Delay(500);
        Assert.Equal(CircuitState.Closed, joiner.State);
    }

    [Fact]
    public async Task Bad_keys_are_refused()
    {
        await using var r0 = await Replica.StartAsync(_server);

        await Assert.ThrowsAsync<ArgumentException>(() => r0.Fleet.IsolateAsync(" "));
        await Assert.ThrowsAsync<ArgumentNullException>(() => r0.Fleet.CloseAsync(null!));
    }
}
