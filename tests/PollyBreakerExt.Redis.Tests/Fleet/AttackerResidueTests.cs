namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// #20: what someone with write access to Redis but without the signing key can still do, pinned to what docs/fleet.md
/// ("Security") says: a forged isolation, version or lease changes nothing; a backup restored into Redis (state and version rolled back together) reaches only replicas that
/// have not applied anything newer of that breaker.
/// </summary>
public sealed class AttackerResidueTests : IAsyncLifetime
{
    // Long enough that a trip still has a break left when its report reaches Redis on a loaded machine (FleetHalfOpenTests).
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(3);
    private static readonly byte[] SigningKey = Enumerable.Range(90, 32).Select(i => (byte)i).ToArray();

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void Signed(RedisCircuitBreakerFleetOptions options) => options.SigningKey = SigningKey;

    [Theory]
    [InlineData("junk")]
    [InlineData("unsigned")]
    public async Task A_forged_isolation_isolates_no_joiner_and_does_not_keep_the_fleet_from_opening(string forgery)
    {
        await using var admin = await _server.AdminAsync();
        if (forgery == "junk")
        {
            await admin.GetDatabase().StringSetAsync("test:isolated:{payments}", "junk");
        }
        else
        {
            // A well-formed isolation, stored and versioned by the fleet's own script, by a replica without the key.
            await using var intruder = await Replica.StartAsync(_server);
            await intruder.Fleet.IsolateAsync("payments");
        }

        await using var a = await Replica.StartAsync(_server, Signed);
        await using var b = await Replica.StartAsync(_server, Signed);
        var breakerA = a.Breaker("payments", Break);
        var breakerB = b.Breaker("payments", Break);
        await a.Fleet.DrainAsync();
        await b.Fleet.DrainAsync();
        Assert.Equal(CircuitState.Closed, breakerA.State);
        Assert.Equal(CircuitState.Closed, breakerB.State);

        breakerA.Fail();
        await Eventually.HoldsAsync(() => breakerB.IsHeardIn(CircuitState.Open), "A's trip opens the fleet");
        Assert.Equal(CircuitTransitionReason.Fleet, breakerB.TransitionsSoFar()[^1].Reason);
    }

    [Fact]
    public async Task A_forged_version_far_ahead_of_redis_clock_does_not_keep_the_fleet_from_opening_or_closing()
    {
        await using var admin = await _server.AdminAsync();
        await using var a = await Replica.StartAsync(_server, Signed);
        await using var b = await Replica.StartAsync(_server, Signed);

        // Above 2^53, where Lua's numbers stop telling n from n + 1, so no order "above" it exists for the scripts.
        await admin.GetDatabase().StringSetAsync("test:version:{payments}", "9007199254740993");
        var breakerA = a.Breaker("payments", Break);
        var breakerB = b.Breaker("payments", Break);
        await a.Fleet.DrainAsync();
        await b.Fleet.DrainAsync();

        breakerA.Fail();
        await Eventually.HoldsAsync(() => breakerB.IsHeardIn(CircuitState.Open), "A's trip opens the fleet");
        await b.Fleet.CloseAsync("payments");
        await Eventually.HoldsAsync(() => breakerA.IsHeardIn(CircuitState.Closed), "B's close closes A");
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("empty")]
    [InlineData("outlived")]
    public async Task A_lease_written_by_hand_or_copied_back_after_its_signed_end_does_not_delay_the_fleets_probe(string lease)
    {
        // A lease many breaks long: one that was believed would keep every replica rejecting long after the break.
        var probeLease = Break * 10;
        void Options(RedisCircuitBreakerFleetOptions options)
        {
            Signed(options);
            options.ProbeLease = probeLease;
        }

        await using var admin = await _server.AdminAsync();
        await using var a = await Replica.StartAsync(_server, Options);
        await using var b = await Replica.StartAsync(_server, Options);
        var breakers = new[] { a.Breaker("payments", Break), b.Breaker("payments", Break) };
        breakers[0].Fail();
        await Eventually.HoldsAsync(() => breakers[1].State == CircuitState.Open, "the fleet opens");

        // The longest lease the fleet would keep (no longer than ProbeLease): junk, an empty value, or a genuine replica's
        // lease (signed with the key, as one read from Redis earlier) whose signed end has passed.
        var redisNow = await RedisServer.TimeAsync(admin);
        var value = lease switch
        {
            "forged" => "intruder",
            "empty" => "",
            _ => FleetMessage.Create(FleetMessageKind.Lease, "replica-that-probed-earlier", redisNow - (long)(probeLease * 2).TotalMilliseconds, "payments", (long)probeLease.TotalMilliseconds).Serialize(SigningKey),
        };
        await admin.GetDatabase().StringSetAsync("test:lease:{payments}", value, probeLease);
        var rejection = Assert.IsType<BrokenCircuitException>(breakers[1].Succeed().Exception);

        await Eventually.HoldsAsync(
            () => breakers.Any(breaker => breaker.Succeed().Exception is null),
            "a replica probes once the fleet's break is over",
            rejection.RetryAfter!.Value + Eventually.DefaultTimeout);
        await Eventually.HoldsAsync(() => breakers.All(breaker => breaker.ClosesWithTraffic()), "every replica closes");
    }

    [Fact]
    public async Task An_isolation_restored_with_its_version_reaches_only_a_replica_that_applied_nothing_newer()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        await using var operatorReplica = await Replica.StartAsync(_server, Signed);
        var running = operatorReplica.Breaker("payments", Break);
        await operatorReplica.Fleet.IsolateAsync("payments");
        var isolation = await database.StringGetAsync("test:isolated:{payments}");
        var version = await database.StringGetAsync("test:version:{payments}");
        await operatorReplica.Fleet.CloseAsync("payments");
        Assert.Equal(CircuitState.Closed, running.State);

        // A backup taken while it was isolated, restored: the state and the version that ordered it, together.
        await database.StringSetAsync("test:isolated:{payments}", isolation);
        await database.StringSetAsync("test:version:{payments}", version);

        // The replica that applied the close reads it (a breaker of that key joining makes it read) and keeps the newer close.
        var alsoRunning = operatorReplica.Breaker("payments", Break);
        await operatorReplica.Fleet.DrainAsync();
        Assert.Equal(CircuitState.Closed, running.State);
        Assert.Equal(CircuitState.Closed, alsoRunning.State);

        // A replica that knows nothing newer (started after the restore) cannot tell it from the current state: it isolates.
        await using var later = await Replica.StartAsync(_server, Signed);
        var joiner = later.Breaker("payments", Break);
        await later.Fleet.DrainAsync();
        Assert.Equal(CircuitState.Isolated, joiner.State);
    }
}
