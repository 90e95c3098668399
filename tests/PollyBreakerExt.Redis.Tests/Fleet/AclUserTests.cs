using System.Globalization;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>docs/fleet.md, "Security": a fleet works with a Redis user allowed only the commands, keys and channels listed there.</summary>
public sealed class AclUserTests : IAsyncLifetime
{
    /// <summary>Exactly the ACL of docs/fleet.md.</summary>
    private static readonly string[] Rules =
    [
        "on", ">long-random-password", "resetkeys", "~pollybreakerext:*", "resetchannels", "&pollybreakerext:*", "&__Booksleeve_MasterChanged",
        "-@all", "+eval", "+evalsha", "+script|load", "+publish", "+subscribe", "+unsubscribe", "+spublish", "+ssubscribe", "+sunsubscribe", "+time",
        "+get", "+set", "+del", "+pttl", "+pexpire", "+zadd", "+zrangebyscore", "+zrem", "+zrange", "+hset", "+hget", "+hdel",
        "+ping", "+echo", "+info", "+client|setname", "+hello", "+auth", "+select", "+config|get", "+cluster|nodes",
    ];

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_fleet_whose_user_may_run_only_the_documented_commands_opens_probes_closes_and_isolates()
    {
        await using (var admin = await _server.AdminAsync())
        {
            await admin.GetDatabase().ExecuteAsync("ACL", ["SETUSER", "fleet", .. Rules]);
        }

        var connectionString = string.Create(CultureInfo.InvariantCulture, $"{_server.ConnectionString},user=fleet,password=long-random-password");
        await using var r0 = await Replica.StartAsync(connectionString, prefix: "pollybreakerext"); // the ACL's prefix, the default
        await using var r1 = await Replica.StartAsync(connectionString, prefix: "pollybreakerext");
        var (f0, f1) = (r0.Fleet, r1.Fleet);
        // The prober's break is long enough for its trip to reach the other replica while it lasts: with 500 ms, in a cold
        // process on a busy machine (the join's first commands, the first EVAL) the trip reached it after the break was over,
        // which opens nothing (FleetTripHeardLate), and the test failed one CI run and 2 of about 80 runs here.
        var b0 = new TestBreaker("payments", f0, TimeSpan.FromSeconds(3));
        var b1 = new TestBreaker("payments", f1, TimeSpan.FromSeconds(30));
        await f0.DrainAsync(); // both joined, so the trip is not queued behind a join
        await f1.DrainAsync();

        b0.Fail();
        await Eventually.HoldsAsync(() => b1.State == CircuitState.Open, "the trip travels");
        await Eventually.HoldsAsync(
            () =>
            {
                b0.Succeed();
                return b1.State == CircuitState.Closed;
            },
            "the prober's success closes the other replica");
        await f1.IsolateAsync("payments");
        await Eventually.HoldsAsync(() => b0.State == CircuitState.Isolated, "the isolation travels");
        await f0.CloseAsync("payments");
        await Eventually.HoldsAsync(() => b1.State == CircuitState.Closed, "the close travels");

        // The user is really restricted: outside the prefix, or another command, is refused.
        await Assert.ThrowsAsync<RedisServerException>(() => r0.Connection.GetDatabase().StringSetAsync("elsewhere", "x"));
        await Assert.ThrowsAsync<RedisServerException>(() => r0.Connection.GetDatabase().StringIncrementAsync("pollybreakerext:counter"));
    }
}
