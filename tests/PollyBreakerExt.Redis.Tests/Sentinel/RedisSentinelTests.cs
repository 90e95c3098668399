namespace PollyBreakerExt.Redis.Tests.Sentinel;

/// <summary>
/// DESIGN W8 (#20 item 2): a fleet connected through Sentinel (one master, one replica, one Sentinel): the master dies,
/// Sentinel promotes the replica, and the fleet reconnects and resyncs without losing a persisted isolation.
/// </summary>
public sealed class RedisSentinelTests : IAsyncLifetime
{
    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    private RedisSentinel _sentinel = null!;

    public async Task InitializeAsync() => _sentinel = await RedisSentinel.StartAsync();

    public async Task DisposeAsync() => await _sentinel.DisposeAsync();

    [Fact]
    public async Task After_a_failover_the_fleet_reconnects_keeps_the_isolation_and_shares_trips_again()
    {
        await using var r0 = await Replica.StartAsync(_sentinel.ConnectionString);
        await using var r1 = await Replica.StartAsync(_sentinel.ConnectionString);
        var isolated0 = r0.Breaker("payments", LongBreak);
        var isolated1 = r1.Breaker("payments", LongBreak);
        var orders0 = r0.Breaker("orders", LongBreak);
        var orders1 = r1.Breaker("orders", LongBreak);
        await Task.Delay(500); // joined (F3: within 1 s)
        await r0.Fleet.IsolateAsync("payments");
        await Eventually.HoldsAsync(() => isolated1.State == CircuitState.Isolated, "the isolation travels");
        await _sentinel.WaitReplicatedAsync();

        await _sentinel.KillMasterAsync();
        await _sentinel.WaitFailedOverAsync(RedisSentinel.DownAfter * 30);
        await Eventually.HoldsAsync(() => r0.Fleet.IsConnected && r1.Fleet.IsConnected, "both fleets reconnect to the new master", TimeSpan.FromSeconds(30));

        // The isolation was persisted on the master and replicated: the replicas keep it, and a joiner starts isolated.
        Assert.Equal(CircuitState.Isolated, isolated0.State);
        Assert.Equal(CircuitState.Isolated, isolated1.State);
        await using var later = await Replica.StartAsync(_sentinel.ConnectionString);
        var joiner = later.Breaker("payments", LongBreak);
        await Eventually.HoldsAsync(() => joiner.State == CircuitState.Isolated, "a replica joining after the failover starts isolated", TimeSpan.FromSeconds(5));

        // And the fleet shares again through the new master.
        orders0.Fail();
        await Eventually.HoldsAsync(() => orders1.IsHeardIn(CircuitState.Open), "a trip travels through the new master");
        await r1.Fleet.CloseAsync("payments");
        await Eventually.HoldsAsync(() => isolated0.State == CircuitState.Closed && joiner.State == CircuitState.Closed, "the close travels");
    }
}
