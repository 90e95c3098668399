namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// DESIGN W8 (#20 item 4), the race made deterministic: a replica behind the proxy joins a key, Redis answers its resync's
/// read, the proxy holds that reply back until an operator's command on another fleet object has completed and been heard
/// by the replica (counted received: its order is taken, its move queued behind the resync), then lets the old read through.
/// The replica applies only what is newer (the breaker's version), so the old read moves nothing and the operator's command
/// holds. The hold stays well under the client's 5 s async timeout, so the read is answered, not abandoned.
/// </summary>
public sealed class ResyncVersusOperatorRaceTests : IAsyncLifetime
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);

    /// <summary>F3: a breaker learns the fleet's state within 1 s of being built, so its resync's read is sent by then.</summary>
    private static readonly TimeSpan JoinWithin = TimeSpan.FromSeconds(1);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_close_heard_while_a_joiners_read_of_the_isolation_is_held_back_is_not_undone_by_that_read()
    {
        using var messages = new FleetMessages();
        await using var proxy = new TcpProxy(_server.Port);
        await using var operatorReplica = await Replica.StartAsync(_server);
        await using var c = await Replica.StartThroughAsync(proxy);
        await operatorReplica.Fleet.IsolateAsync("payments");

        var readHeld = proxy.HoldReplyTo("test:isolated:{payments}");
        var joiner = c.Breaker("payments", Break);
        await readHeld.WaitAsync(JoinWithin * 5); // Redis has answered "isolated"; C has not seen the answer

        await operatorReplica.Fleet.CloseAsync("payments");
        await Eventually.HoldsAsync(() => messages.Count(c.Fleet, "received") == 1, "C hears the close");

        proxy.ReleaseReply(); // the old read arrives
        await c.Fleet.DrainAsync();
        Assert.Equal(CircuitState.Closed, joiner.State);
        Assert.Empty(joiner.TransitionsSoFar()); // the old isolation was never applied, not even for a moment
        Assert.Equal(42, joiner.Succeed().Result);
    }

    [Fact]
    public async Task An_isolation_heard_while_a_joiners_read_of_the_open_fleet_is_held_back_is_not_undone_by_that_read()
    {
        using var messages = new FleetMessages();
        await using var proxy = new TcpProxy(_server.Port);
        await using var operatorReplica = await Replica.StartAsync(_server);
        await using var c = await Replica.StartThroughAsync(proxy);
        var tripper = operatorReplica.Breaker("payments", Break);
        tripper.Fail(); // Quorum 1: the fleet opens for the break
        await operatorReplica.Fleet.DrainAsync(); // the trip is stored

        var readHeld = proxy.HoldReplyTo("test:isolated:{payments}");
        var joiner = c.Breaker("payments", Break);
        await readHeld.WaitAsync(JoinWithin * 5); // Redis has answered "open"; C has not seen the answer

        await operatorReplica.Fleet.IsolateAsync("payments");
        await Eventually.HoldsAsync(() => messages.Count(c.Fleet, "received") == 1, "C hears the isolation");

        proxy.ReleaseReply(); // the old read arrives
        await c.Fleet.DrainAsync();
        Assert.Equal(CircuitState.Isolated, joiner.State);
        Assert.All(joiner.TransitionsSoFar(), transition => Assert.Equal(CircuitState.Isolated, transition.NewState)); // never opened by the old read
        Assert.IsType<IsolatedCircuitException>(joiner.Succeed().Exception);
    }
}
