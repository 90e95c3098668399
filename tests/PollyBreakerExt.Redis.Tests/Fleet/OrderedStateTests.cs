namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// DESIGN W8 (#20 item 4): every stored state and message carries the breaker's version, which Redis orders; a replica
/// applies only what is newer than what it applied, and a stored state only while it is the breaker's current version.
/// Whoever can write to Redis without the signing key cannot bring an old, genuinely signed state back.
/// </summary>
public sealed class OrderedStateTests : IAsyncLifetime
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private static readonly byte[] SigningKey = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void Signed(RedisCircuitBreakerFleetOptions options) => options.SigningKey = SigningKey;

    [Fact]
    public async Task An_isolation_copied_back_into_redis_after_the_close_isolates_no_joiner()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        await using var operatorReplica = await Replica.StartAsync(_server, Signed);
        await operatorReplica.Fleet.IsolateAsync("payments");
        var captured = await database.StringGetAsync("test:isolated:{payments}");
        Assert.False(captured.IsNull);
        await operatorReplica.Fleet.CloseAsync("payments");

        // Someone with write access to Redis (no signing key) puts the genuine, signed isolation back.
        await database.StringSetAsync("test:isolated:{payments}", captured);

        await using var later = await Replica.StartAsync(_server, Signed);
        var joiner = later.Breaker("payments", Break);
        await later.Fleet.DrainAsync(); // joined: it read what Redis holds
        Assert.Equal(CircuitState.Closed, joiner.State);
        Assert.Equal(42, joiner.Succeed().Result);
    }

    [Fact]
    public async Task An_open_break_copied_back_with_a_day_of_expiry_does_not_make_the_next_trip_open_for_a_day()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        await using var a = await Replica.StartAsync(_server, Signed);
        await using var b = await Replica.StartAsync(_server, Signed);
        var breakerA = a.Breaker("payments", Break);
        var breakerB = b.Breaker("payments", Break);
        breakerA.Fail();
        await Eventually.HoldsAsync(() => breakerB.IsHeardIn(CircuitState.Open), "the fleet opens");
        var captured = await database.StringGetAsync("test:open:{payments}");
        await a.Fleet.CloseAsync("payments");
        await Eventually.HoldsAsync(() => breakerA.State == CircuitState.Closed && breakerB.State == CircuitState.Closed, "the fleet closes");

        // The genuine open break, copied back with a day to live.
        await database.StringSetAsync("test:open:{payments}", captured, TimeSpan.FromDays(1));

        breakerB.Fail();
        await Eventually.HoldsAsync(() => breakerA.State == CircuitState.Open, "B's trip opens the fleet");
        await Task.Delay(500); // a day-long break would have been applied by now
        var rejection = Assert.IsType<BrokenCircuitException>(breakerA.Succeed().Exception);
        Assert.InRange(rejection.RetryAfter!.Value, TimeSpan.Zero, Break);
        Assert.InRange((await database.KeyTimeToLiveAsync("test:open:{payments}"))!.Value, TimeSpan.Zero, Break);
    }

    [Fact]
    public async Task An_open_message_replayed_into_a_replica_that_joined_after_the_close_changes_nothing()
    {
        using var messages = new FleetMessages();
        await using var captured = await CapturedMessages.StartAsync(_server, "test:events:{payments}");
        await using var a = await Replica.StartAsync(_server, Signed);
        var breakerA = a.Breaker("payments", Break);
        breakerA.Fail();
        await Eventually.HoldsAsync(() => captured.Count == 1, "the open message is published");
        await a.Fleet.CloseAsync("payments");

        await using var later = await Replica.StartAsync(_server, Signed);
        var joiner = later.Breaker("payments", Break);
        await later.Fleet.DrainAsync(); // joined: it read the breaker's version after the close

        // Well within the 60 s a replay guard accepts a message it has not seen, and signed: only its order is old.
        await _server.PublishAsync("test:events:{payments}", captured[0]);

        await Eventually.HoldsAsync(() => messages.Count(later.Fleet, "ignored") == 1, "the replayed open is ignored");
        Assert.Equal(CircuitState.Closed, joiner.State);
        Assert.Equal(0, messages.Count(later.Fleet, "received"));
    }
}
