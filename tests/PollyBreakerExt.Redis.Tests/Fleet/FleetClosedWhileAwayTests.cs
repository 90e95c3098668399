namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// DESIGN W1, F2 and F4 (#20, B1): a replica that missed the fleet's close while cut off from Redis is on its own when it
/// returns; alone, below the quorum, it cannot open the fleet again through the half-open lease.
/// </summary>
public sealed class FleetClosedWhileAwayTests : IAsyncLifetime
{
    // Long enough that C reconnects (a reconnect under load can take a second or more) before its break ends.
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(4);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_replica_that_missed_the_close_probes_alone_on_return_and_its_failed_probe_does_not_reopen_the_fleet()
    {
        static void Quorum(RedisCircuitBreakerFleetOptions options) => options.Quorum = 2;
        await using var proxy = new TcpProxy(_server.Port);
        await using var a = await Replica.StartAsync(_server, Quorum);
        await using var b = await Replica.StartAsync(_server, Quorum);
        await using var c = await Replica.StartThroughAsync(proxy, Quorum);
        var breakerA = a.Breaker("payments", Break);
        var breakerB = b.Breaker("payments", Break);
        var breakerC = c.Breaker("payments", Break);

        // A and B trip: the quorum opens the fleet, and C with it.
        breakerA.Fail();
        breakerB.Fail();
        await Eventually.HoldsAsync(() => breakerC.IsHeardIn(CircuitState.Open), "C opens with the fleet");

        // C is cut off; meanwhile A probes and closes the fleet, and B with it. C hears nothing.
        proxy.Cut();
        await Eventually.HoldsAsync(() => !c.Fleet.IsConnected, "C notices it is cut off");
        await Eventually.HoldsAsync(() => breakerA.Succeed().Exception is null && breakerA.State == CircuitState.Closed, "A probes and closes", Break * 10);
        await Eventually.HoldsAsync(() => breakerB.IsHeardIn(CircuitState.Closed), "B closes with the fleet");

        // Alone, C probes at the end of its break and fails: open alone again.
        await Eventually.HoldsAsync(() => breakerC.Fail().Exception is InvalidOperationException, "C's lone probe runs and fails", Break * 10);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breakerC.TransitionsSoFar()[^1].Reason);

        // C returns: its resync finds the fleet closed, and its trip (one vote, below the quorum) opens nothing.
        proxy.Heal();
        await Eventually.HoldsAsync(() => c.Fleet.IsConnected, "C reconnects", TimeSpan.FromSeconds(30));

        // At its break's end C probes at once: it does not ask the fleet for a lease the fleet has no reason to give.
        var rejection = Assert.IsType<BrokenCircuitException>(breakerC.Fail().Exception);
        await Task.Delay(rejection.RetryAfter!.Value + TimeSpan.FromMilliseconds(100));
        Assert.IsType<InvalidOperationException>(breakerC.Fail().Exception);
        Assert.Equal(2, breakerC.Probes);

        // Had that failed probe held a lease, it would have reopened the fleet; A and B stay closed.
        await Task.Delay(Break);
        foreach (var other in new[] { breakerA, breakerB })
        {
            Assert.Equal(CircuitState.Closed, other.State);
            Assert.Equal(42, other.Succeed().Result);
        }
    }

    [Fact]
    public async Task The_lease_script_gives_no_lease_and_the_reopen_script_opens_nothing_while_the_fleet_is_not_tripped()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        RedisKey lease = "test:lease:{payments}", open = "test:open:{payments}", tripped = "test:tripped:{payments}", version = "test:version:{payments}";

        // A fleet that was never opened, or that a prober closed: no lease for anyone.
        Assert.Equal(-2, (long)((RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Lease, [lease, open, tripped, version], ["c", 30_000, 0]))!)[0]);
        Assert.False(await database.KeyExistsAsync(lease));

        // Even holding a lease (one left over, or set by hand), a replica cannot reopen a fleet that is not tripped.
        await database.StringSetAsync(lease, "c", TimeSpan.FromSeconds(30));
        Assert.Equal(0, (long)((RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Reopen, [lease, open, tripped, version], ["c", "payload", 30_000, "test:events", 1]))!)[0]);
        Assert.False(await database.KeyExistsAsync(open));

        // Tripped, the same lease reopens it.
        await database.StringSetAsync(tripped, "1");
        Assert.Equal(1, (long)((RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Reopen, [lease, open, tripped, version], ["c", "payload", 30_000, "test:events", 1]))!)[0]);
        Assert.True(await database.KeyExistsAsync(open));
    }
}
