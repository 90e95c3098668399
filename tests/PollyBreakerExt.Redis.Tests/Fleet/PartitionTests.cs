using Xunit.Abstractions;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>
/// DESIGN W8 (#20 item 3): one replica partitioned from Redis by a loopback proxy — black-holed (nothing answered,
/// nothing closed) or delayed — never makes a caller wait, keeps its local behaviour, is reported disconnected within
/// the heartbeat, and on heal learns the fleet's state (open, and an isolation made while it was away).
/// </summary>
public sealed class PartitionTests : IAsyncLifetime
{
    /// <summary>The fleet's heartbeat (RedisCircuitBreakerFleet.Heartbeat): a silent Redis is noticed within two.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;
    private RedisServer _server = null!;

    public PartitionTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_black_holed_replica_keeps_its_calls_local_is_reported_disconnected_within_the_heartbeat_and_learns_the_fleet_on_heal()
    {
        await using var proxy = new TcpProxy(_server.Port);
        await using var a = await Replica.StartAsync(_server);
        await using var c = await Replica.StartThroughAsync(proxy);
        var paymentsA = a.Breaker("payments", LongBreak);
        var paymentsC = c.Breaker("payments", LongBreak);
        var ordersC = c.Breaker("orders", LongBreak);
        var inventoryA = a.Breaker("inventory", LongBreak);
        var inventoryC = c.Breaker("inventory", LongBreak);
        await Task.Delay(500); // joined (F3: within 1 s)

        proxy.BlackHole();
        var holed = TimeProvider.System.GetTimestamp();

        // Every call on C is decided from memory, synchronously (TestBreaker.Run asserts it), while its fleet finds out.
        while (c.Fleet.IsConnected)
        {
            Assert.Equal(42, paymentsC.Succeed().Result);
            Assert.True(TimeProvider.System.GetElapsedTime(holed) < Heartbeat * 2 + TimeSpan.FromSeconds(1), "C was not reported disconnected within two heartbeats.");
            await Task.Delay(10);
        }

        _output.WriteLine($"reported disconnected after {TimeProvider.System.GetElapsedTime(holed).TotalMilliseconds:F0} ms");

        // Alone, C trips on its own and stays open alone; its report waits for Redis.
        Assert.IsType<InvalidOperationException>(inventoryC.Fail().Exception);
        Assert.Equal(CircuitState.Open, inventoryC.State);

        // Meanwhile the fleet opens payments and an operator isolates orders; C hears nothing.
        paymentsA.Fail();
        await a.Fleet.IsolateAsync("orders");
        await Task.Delay(Heartbeat);
        Assert.Equal(CircuitState.Closed, paymentsC.State);
        Assert.Equal(CircuitState.Closed, ordersC.State);
        Assert.Equal(CircuitState.Closed, inventoryA.State);

        proxy.Heal();
        var healed = TimeProvider.System.GetTimestamp();
        await Eventually.HoldsAsync(() => paymentsC.State == CircuitState.Open && ordersC.State == CircuitState.Isolated, "C learns the open fleet and the isolation", TimeSpan.FromSeconds(30));
        _output.WriteLine($"learned the fleet's state {TimeProvider.System.GetElapsedTime(healed).TotalMilliseconds:F0} ms after the heal");
        await Eventually.HoldsAsync(() => c.Fleet.IsConnected, "C is connected again");

        // And its own trip, still in force, is reported: A's inventory opens.
        await Eventually.HoldsAsync(() => inventoryA.State == CircuitState.Open, "C's trip made while away travels on heal");
        var rejection = Assert.IsType<BrokenCircuitException>(paymentsC.Succeed().Exception);
        Assert.InRange(rejection.RetryAfter!.Value, TimeSpan.Zero, LongBreak);
    }

    [Fact]
    public async Task A_message_that_spent_a_while_on_a_slow_link_opens_for_the_break_that_remains_not_all_of_it()
    {
        var delay = TimeSpan.FromSeconds(1.5);
        var breakDuration = TimeSpan.FromSeconds(4);
        await using var proxy = new TcpProxy(_server.Port);
        await using var a = await Replica.StartAsync(_server);
        await using var c = await Replica.StartThroughAsync(proxy);
        var breakerA = a.Breaker("payments", breakDuration);
        var breakerC = c.Breaker("payments", breakDuration);
        await Task.Delay(500);

        proxy.Delay(delay);
        breakerA.Fail();
        await Eventually.HoldsAsync(() => breakerC.IsHeardIn(CircuitState.Open), "C opens, late");

        // Redis' clock at receipt: at least the delay of the break is gone (margin for C's reading of that clock).
        var opened = breakerC.TransitionsSoFar()[^1];
        Assert.Equal(CircuitTransitionReason.Fleet, opened.Reason);
        Assert.InRange(opened.BreakDuration!.Value, TimeSpan.Zero, breakDuration - delay + TimeSpan.FromMilliseconds(250));
    }
}
