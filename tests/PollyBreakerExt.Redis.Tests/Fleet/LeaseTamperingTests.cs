namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// #20's attacker cases: whoever can write to Redis without the signing key sets a junk <c>open:</c> with a day to live,
/// or a <c>lease:</c> without expiry. Neither keeps the fleet from probing when its real break ends: the stored break is
/// believed only as far as its signed payload says, and a lease is never longer than <c>ProbeLease</c>.
/// </summary>
public sealed class LeaseTamperingTests : IAsyncLifetime
{
    // Long enough that a trip still has a break left when its report reaches Redis on a loaded machine (FleetHalfOpenTests).
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ProbeLease = TimeSpan.FromSeconds(5);
    private static readonly byte[] SigningKey = Enumerable.Range(40, 32).Select(i => (byte)i).ToArray();

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("open")]
    [InlineData("lease")]
    public async Task A_forged_day_long_break_or_a_lease_without_expiry_does_not_keep_the_fleet_from_probing_after_its_break(string forged)
    {
        static void Options(RedisCircuitBreakerFleetOptions options)
        {
            options.SigningKey = SigningKey;
            options.ProbeLease = ProbeLease;
        }

        await using var admin = await _server.AdminAsync();
        await using var a = await Replica.StartAsync(_server, Options);
        await using var b = await Replica.StartAsync(_server, Options);
        var breakers = new[] { a.Breaker("payments", Break), b.Breaker("payments", Break) };
        await Task.Delay(500);
        breakers[0].Fail();
        await Eventually.HoldsAsync(() => breakers[1].State == CircuitState.Open, "the fleet opens");

        if (forged == "open")
        {
            await admin.GetDatabase().StringSetAsync("test:open:{payments}", "junk", TimeSpan.FromDays(1));
        }
        else
        {
            await admin.GetDatabase().StringSetAsync("test:lease:{payments}", "intruder");
        }

        // After the real break (and at most one probe lease, for a lease taken meanwhile), one replica probes and closes all.
        await Eventually.HoldsAsync(
            () => breakers.Any(breaker => breaker.Succeed().Exception is null),
            "a replica probes once the real break is over",
            Break + ProbeLease + TimeSpan.FromSeconds(5));
        await Eventually.HoldsAsync(() => breakers.All(breaker => breaker.ClosesWithTraffic()), "every replica closes");
    }

    [Fact]
    public async Task The_lease_script_removes_a_lease_without_expiry_or_longer_than_the_probe_lease()
    {
        await using var admin = await _server.AdminAsync();
        var database = admin.GetDatabase();
        RedisKey lease = "t:lease:{k}", open = "t:open:{k}", tripped = "t:tripped:{k}", version = "t:version:{k}";
        await database.StringSetAsync(tripped, "1");

        foreach (var expiry in new TimeSpan?[] { null, TimeSpan.FromDays(1) })
        {
            await (expiry is { } day ? database.StringSetAsync(lease, "intruder", day) : database.StringSetAsync(lease, "intruder"));
            var answer = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Lease, [lease, open, tripped, version], ["c", 30_000, 0]))!;
            Assert.Equal(-1, (long)answer[0]);
            Assert.Equal("c", (string?)await database.StringGetAsync(lease));
            Assert.InRange((await database.KeyTimeToLiveAsync(lease))!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(30));
            await database.KeyDeleteAsync(lease);
        }

        // A genuine lease of another replica, within the probe lease, is kept and waited for.
        await database.StringSetAsync(lease, "other", TimeSpan.FromSeconds(20));
        var wait = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Lease, [lease, open, tripped, version], ["c", 30_000, 0]))!;
        Assert.Equal(-5, (long)wait[0]);
        Assert.InRange((long)wait[1], 1, 20_000);
        Assert.Equal("other", (string?)wait[2]);

        // Judged not genuine by the asking replica (its signature), it is removed if still what is stored, and taken.
        var taken = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Lease, [lease, open, tripped, version], ["c", 30_000, 0, "other"]))!;
        Assert.Equal(-1, (long)taken[0]);
        Assert.Equal("c", (string?)await database.StringGetAsync(lease));
    }
}
