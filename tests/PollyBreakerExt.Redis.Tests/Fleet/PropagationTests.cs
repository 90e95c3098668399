using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F2 and F3: a trip travels to every replica, a lone trip under a quorum stays local, a late joiner starts open.</summary>
public sealed class PropagationTests : IAsyncLifetime
{
    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_trip_on_one_replica_opens_every_replica_with_reason_fleet_and_the_break_that_remains()
    {
        var replicas = await Replica.StartManyAsync(_server, 3);
        await using var r0 = replicas[0];
        await using var r1 = replicas[1];
        await using var r2 = replicas[2];
        var breakers = replicas.Select(replica => replica.Breaker("payments", LongBreak)).ToArray();

        breakers[0].Fail();

        Assert.Equal(CircuitState.Open, breakers[0].State);
        foreach (var breaker in breakers[1..])
        {
            await Eventually.HoldsAsync(() => breaker.IsHeardIn(CircuitState.Open), "the other replicas open");
            var opened = Assert.Single(breaker.TransitionsSoFar());
            Assert.Equal((CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.Fleet), (opened.PreviousState, opened.NewState, opened.Reason));
            Assert.InRange(opened.BreakDuration!.Value, LongBreak - TimeSpan.FromSeconds(5), LongBreak);

            var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
            Assert.InRange(rejection.RetryAfter!.Value, LongBreak - TimeSpan.FromSeconds(5), LongBreak);
            Assert.Equal(0, breaker.Executed);
        }

        // The replica that tripped opened once, from its own window: its own fleet's echo moved nothing.
        Assert.Equal(CircuitTransitionReason.FailureThreshold, Assert.Single(breakers[0].TransitionsSoFar()).Reason);
    }

    [Fact]
    public async Task Only_breakers_of_the_same_key_open()
    {
        await using var r0 = await Replica.StartAsync(_server);
        await using var r1 = await Replica.StartAsync(_server);
        var payments = r0.Breaker("payments", LongBreak);
        var samePaymentsElsewhere = r1.Breaker("payments", LongBreak);
        var inventory = r1.Breaker("inventory", LongBreak);

        payments.Fail();

        await Eventually.HoldsAsync(() => samePaymentsElsewhere.State == CircuitState.Open, "the other replica's payments breaker opens");
        Assert.Equal(CircuitState.Closed, inventory.State);
    }

    [Fact]
    public async Task With_quorum_two_a_lone_trip_stays_local_and_a_second_replica_opens_the_fleet()
    {
        var replicas = await Replica.StartManyAsync(_server, 3, options => options.Quorum = 2);
        await using var r0 = replicas[0];
        await using var r1 = replicas[1];
        await using var r2 = replicas[2];
        var breakers = replicas.Select(replica => replica.Breaker("payments", LongBreak)).ToArray();

        breakers[0].Fail();
        await Task.Delay(500); // far longer than propagation takes on loopback

        Assert.Equal(CircuitState.Open, breakers[0].State);
        Assert.Equal(CircuitState.Closed, breakers[1].State);
        Assert.Equal(CircuitState.Closed, breakers[2].State);
        Assert.Equal(42, breakers[2].Succeed().Result);

        breakers[1].Fail();

        await Eventually.HoldsAsync(() => breakers[2].IsHeardIn(CircuitState.Open), "the third replica opens once two replicas tripped");
        Assert.Equal(CircuitTransitionReason.Fleet, Assert.Single(breakers[2].TransitionsSoFar()).Reason);
    }

    [Fact]
    public async Task The_same_replica_tripping_twice_does_not_make_a_quorum_of_two()
    {
        await using var r0 = await Replica.StartAsync(_server, options => options.Quorum = 2);
        await using var r1 = await Replica.StartAsync(_server, options => options.Quorum = 2);
        var tripping = r0.Breaker("payments", TimeSpan.FromMilliseconds(200));
        var other = r1.Breaker("payments", LongBreak);

        tripping.Fail();
        await Eventually.HoldsAsync(() => tripping.State == CircuitState.Open, "the first trip");
        await Task.Delay(300);
        tripping.Fail(); // the probe fails: a second trip of the same replica
        await Task.Delay(500);

        Assert.Equal(CircuitState.Open, tripping.State);
        Assert.Equal(CircuitState.Closed, other.State);
    }

    [Fact]
    public async Task A_breaker_built_after_the_trip_starts_open_for_the_break_that_remains()
    {
        await using var r0 = await Replica.StartAsync(_server);
        var tripped = r0.Breaker("payments", LongBreak);
        tripped.Fail();
        await using var later = await Replica.StartAsync(_server);

        var joiner = later.Breaker("payments", LongBreak);

        await Eventually.HoldsAsync(() => joiner.IsHeardIn(CircuitState.Open), "the late joiner opens");
        var opened = Assert.Single(joiner.TransitionsSoFar());
        Assert.Equal(CircuitTransitionReason.Fleet, opened.Reason);
        Assert.InRange(opened.BreakDuration!.Value, LongBreak - TimeSpan.FromSeconds(5), LongBreak);
        Assert.Equal(0, joiner.Executed);
    }

    [Fact]
    public async Task A_trip_heard_after_its_break_ended_opens_nothing_and_says_so_in_the_log_and_one_heard_late_opens_for_the_rest()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));
        await using var connection = await _server.ConnectAsync();
        await using var fleet = new RedisCircuitBreakerFleet(
            Task.FromResult<IConnectionMultiplexer>(connection), new RedisCircuitBreakerFleetOptions { KeyPrefix = "test" }, ownsConnection: false, loggerFactory, timeProvider: null);
        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet is connected");
        var breaker = new TestBreaker("payments", fleet, LongBreak);
        await fleet.DrainAsync(); // joined: subscribed to the breaker's channel
        await using var admin = await _server.AdminAsync();

        // Stamped 5 s ago with a 2 s break: by Redis' clock the opener has been probing for 3 s.
        await PublishOpenAsync(admin, nonce: "n1", stampedAgoMilliseconds: 5_000, breakMilliseconds: 2_000, order: 1);
        await Eventually.HoldsAsync(
            () => logs.GetSnapshot().Any(record => record.Id.Name == "FleetTripHeardLate"),
            "the late trip is logged");
        var late = logs.GetSnapshot().Single(record => record.Id.Name == "FleetTripHeardLate");
        Assert.Equal(LogLevel.Debug, late.Level);
        Assert.Contains("'payments'", late.Message, StringComparison.Ordinal);
        Assert.InRange(long.Parse(late.GetStructuredStateValue("LateMilliseconds")!, CultureInfo.InvariantCulture), 2_500, 4_500);
        Assert.Equal(CircuitState.Closed, breaker.State);

        // Stamped as long ago with a 35 s break: it opens for the 30 s that remain, not for 35 s again.
        await PublishOpenAsync(admin, nonce: "n2", stampedAgoMilliseconds: 5_000, breakMilliseconds: 35_000, order: 2);
        await Eventually.HoldsAsync(() => breaker.IsHeardIn(CircuitState.Open), "the trip heard late opens the breaker");
        Assert.InRange(Assert.Single(breaker.TransitionsSoFar()).BreakDuration!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(31));
        Assert.Single(logs.GetSnapshot(), record => record.Id.Name == "FleetTripHeardLate");
    }

    /// <summary>Publishes another replica's open message, stamped that long before Redis' time now, on the breaker's channel.</summary>
    private static async Task PublishOpenAsync(IConnectionMultiplexer admin, string nonce, long stampedAgoMilliseconds, long breakMilliseconds, long order)
    {
        var redisNow = await RedisServer.TimeAsync(admin);
        var message = $$"""{"v":2,"t":"open","r":"another-replica","n":"{{nonce}}","ts":{{redisNow - stampedAgoMilliseconds}},"k":"payments","b":{{breakMilliseconds}},"o":{{order}}}""";
        await admin.GetSubscriber().PublishAsync(RedisChannel.Sharded("test:events:{payments}"), Encoding.UTF8.GetBytes(message));
    }
}
