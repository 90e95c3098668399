namespace PollyBreakerExt.Redis.Tests.Processes;

/// <summary>DESIGN W1: replicas in separate OS processes learn together (a console replica driven over stdin/stdout).</summary>
public sealed class SeparateProcessTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_trip_in_another_process_opens_this_one_and_a_trip_here_opens_the_other()
    {
        await using var here = await Replica.StartAsync(_server);
        var payments = here.Breaker("payments", TimeSpan.FromSeconds(30));
        var inventory = here.Breaker("inventory", TimeSpan.FromSeconds(30));
        using var payments2 = await ConsoleReplica.StartAsync(_server, "payments");
        using var inventory2 = await ConsoleReplica.StartAsync(_server, "inventory");

        Assert.Equal("outcome InvalidOperationException", await payments2.SendAsync("fail"));
        await Eventually.HoldsAsync(() => payments.IsHeardIn(CircuitState.Open), "this process's breaker opens");
        Assert.Equal(CircuitTransitionReason.Fleet, Assert.Single(payments.TransitionsSoFar()).Reason);

        inventory.Fail();
        await inventory2.WaitForLineAsync("transition Closed Open Fleet");
        Assert.Equal("outcome BrokenCircuitException", await inventory2.SendAsync("succeed"));
    }

    [Fact]
    public async Task A_replica_process_killed_mid_probe_hands_the_probe_over_after_its_lease()
    {
        await using var here = await Replica.StartAsync(_server, options => options.ProbeLease = TimeSpan.FromSeconds(1));
        var breaker = here.Breaker("payments", TimeSpan.FromSeconds(30));
        // A break long enough that the trip still has some left when a cold process on a loaded machine reports it (at 500 ms,
        // 1 run in 6 with both cores busy never opened this replica: a trip whose break is over by then opens nothing).
        using var other = await ConsoleReplica.StartAsync(_server, "payments", breakMilliseconds: 3000, probeLeaseMilliseconds: 1000);
        Assert.Equal("outcome InvalidOperationException", await other.SendAsync("fail"));
        await Eventually.HoldsAsync(() => breaker.State == CircuitState.Open, "this replica opens");

        // The other process takes the lease with a probe that never ends (its "hang" keeps calling until one is let
        // through, for at least 5 s), and is killed.
        other.Send("hang");
        await other.WaitForLineAsync("transition Open HalfOpen BreakDurationElapsed");
        other.Kill();

        await Eventually.HoldsAsync(
            () =>
            {
                breaker.Succeed();
                return breaker.State == CircuitState.Closed;
            },
            "this replica probes once the dead one's lease expired, and closes");
        Assert.Equal(1, breaker.Probes);
    }
}
