namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>#20, B2: a replica's generated id survives its restart, so a restarted replica cannot vote twice toward the quorum.</summary>
public sealed class ReplicaIdentityTests : IAsyncLifetime
{
    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_replica_that_trips_dies_and_restarts_keeps_its_id_and_its_second_trip_does_not_reach_a_quorum_of_two()
    {
        static void Quorum(RedisCircuitBreakerFleetOptions options)
        {
            options.KeyPrefix = "identity";
            options.Quorum = 2;
        }

        await using var other = await Replica.StartAsync(_server.ConnectionString, Quorum, "identity");
        var watcher = other.Breaker("payments", LongBreak);

        var first = await Replica.StartAsync(_server.ConnectionString, Quorum, "identity");
        var id = first.Fleet.ReplicaId;
        Assert.NotEqual(other.Fleet.ReplicaId, id); // two live replicas never share an id
        first.Breaker("payments", LongBreak).Fail();
        await Task.Delay(500); // its vote is counted
        await first.DisposeAsync(); // it dies

        await using var restarted = await Replica.StartAsync(_server.ConnectionString, Quorum, "identity");
        Assert.Equal(id, restarted.Fleet.ReplicaId);
        restarted.Breaker("payments", LongBreak).Fail();

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitState.Closed, watcher.State);

        // A second, distinct replica does make the quorum.
        watcher.Fail();
        await using var third = await Replica.StartAsync(_server.ConnectionString, Quorum, "identity");
        var joiner = third.Breaker("payments", LongBreak);
        await Eventually.HoldsAsync(() => joiner.State == CircuitState.Open, "two distinct replicas open the fleet");
    }
}
