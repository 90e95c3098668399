namespace PollyBreakerExt.Redis.Tests.Processes;

/// <summary>
/// #20 B2 with real OS processes: Quorum = 2; a replica process trips, is killed (SIGKILL: nothing of it runs after), is
/// started again and trips again. It keeps its id (its lock file was released by the operating system), so its second
/// trip replaces its first vote and the fleet does not open; a second, distinct replica's trip does open it.
/// </summary>
public sealed class RestartedProcessVoteTests : IAsyncLifetime
{
    private const int Quorum = 2;
    private const int BreakMilliseconds = 30_000;

    /// <summary>F2: a fleet that opens does so within 100 ms on a local network; waited five times that for it not to.</summary>
    private static readonly TimeSpan WouldHaveOpened = TimeSpan.FromMilliseconds(100) * 5;

    // The slots of the default id are per machine and prefix: a prefix of this run's own, so that another test run on the
    // same machine at the same time (its fleets taking slots of their own) cannot move this replica to another slot.
    private static readonly string Prefix = "restart-" + Guid.NewGuid().ToString("N")[..8];

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_replica_process_killed_and_restarted_keeps_its_id_and_its_second_trip_does_not_open_a_fleet_of_quorum_two()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        await using var here = await Replica.StartAsync(_server.ConnectionString, options => options.Quorum = Quorum, Prefix);
        var watcher = here.Breaker("payments", TimeSpan.FromMilliseconds(BreakMilliseconds));

        var first = await ConsoleReplica.StartAsync(_server, "payments", BreakMilliseconds, quorum: Quorum, keyPrefix: Prefix);
        var id = first.ReplicaId;
        Assert.Equal("outcome InvalidOperationException", await first.SendAsync("fail"));
        await Eventually.HoldsAsync(async () => await database.SortedSetScoreAsync($"{Prefix}:trips:{{payments}}", id) is not null, "its vote is counted");
        var firstVote = await database.SortedSetScoreAsync($"{Prefix}:trips:{{payments}}", id);
        first.Kill();
        first.Dispose();

        using var restarted = await ConsoleReplica.StartAsync(_server, "payments", BreakMilliseconds, quorum: Quorum, keyPrefix: Prefix);
        Assert.Equal(id, restarted.ReplicaId);
        Assert.Equal("outcome InvalidOperationException", await restarted.SendAsync("fail"));
        await Eventually.HoldsAsync(async () => await database.SortedSetScoreAsync($"{Prefix}:trips:{{payments}}", id) != firstVote, "its second vote is counted");

        await Task.Delay(WouldHaveOpened);
        Assert.Equal(1, await database.SortedSetLengthAsync($"{Prefix}:trips:{{payments}}"));
        Assert.False(await database.KeyExistsAsync($"{Prefix}:open:{{payments}}"));
        Assert.Equal(CircuitState.Closed, watcher.State);

        // A second, distinct replica does make the quorum.
        watcher.Fail();
        await Eventually.HoldsAsync(async () => await database.KeyExistsAsync($"{Prefix}:open:{{payments}}"), "two distinct replicas open the fleet");
    }
}
