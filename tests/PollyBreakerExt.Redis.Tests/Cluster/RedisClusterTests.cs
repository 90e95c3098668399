namespace PollyBreakerExt.Redis.Tests.Cluster;

/// <summary>
/// DESIGN W8 (#20 item 1): the fleet works unchanged through a ConnectionMultiplexer connected to a real Redis Cluster of
/// three masters and three replicas: every key of one breaker in one slot, sharded pub/sub, quorum, lease, and a master
/// that dies mid-traffic.
/// </summary>
public sealed class RedisClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    // Long enough that a trip still has a break left when its report reaches Redis on a loaded machine (FleetHalfOpenTests).
    private static readonly TimeSpan ShortBreak = TimeSpan.FromSeconds(3);

    // Long enough for the waits between failed resyncs to have doubled up to 16 s before the failover ends.
    private static readonly TimeSpan SlowFailover = TimeSpan.FromSeconds(20);

    private RedisCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("payments")]
    [InlineData("a{b}c/SlowCall-CircuitBreaker")]
    public async Task Every_key_of_a_breaker_is_in_one_slot_and_a_trip_opens_the_fleet_at_the_quorum(string key)
    {
        var keys = new FleetKeys("test");
        await using var admin = await _cluster.AdminAsync();
        var slots = new List<long>();
        foreach (var name in new[] { keys.Open(key), keys.Isolated(key), keys.Tripped(key), keys.Lease(key), keys.Trips(key), keys.Votes(key), keys.Version(key), (RedisKey)keys.ShardedChannel(key).ToString() })
        {
            Assert.StartsWith("test:", name.ToString(), StringComparison.Ordinal);
            slots.Add((long)(await admin.GetDatabase().ExecuteAsync("CLUSTER", "KEYSLOT", name.ToString()))!);
        }

        Assert.Single(slots.Distinct());

        static void Quorum(RedisCircuitBreakerFleetOptions options) => options.Quorum = 2;
        await using var r0 = await Replica.StartAsync(_cluster, Quorum);
        await using var r1 = await Replica.StartAsync(_cluster, Quorum);
        await using var r2 = await Replica.StartAsync(_cluster, Quorum);
        var breakers = new[] { r0, r1, r2 }.Select(replica => replica.Breaker(key, LongBreak)).ToArray();
        await Task.WhenAll(r0.Fleet.DrainAsync(), r1.Fleet.DrainAsync(), r2.Fleet.DrainAsync()); // joined

        breakers[0].Fail();
        await Task.Delay(500);
        Assert.Equal(CircuitState.Closed, breakers[2].State);

        breakers[1].Fail();
        await Eventually.HoldsAsync(() => breakers[2].IsHeardIn(CircuitState.Open), "the quorum opens the third replica");
        Assert.Equal(CircuitTransitionReason.Fleet, breakers[2].TransitionsSoFar()[^1].Reason);
    }

    [Fact]
    public async Task One_replica_probes_for_the_fleet_and_its_success_closes_the_others()
    {
        static void Lease(RedisCircuitBreakerFleetOptions options) => options.ProbeLease = TimeSpan.FromSeconds(20);
        await using var r0 = await Replica.StartAsync(_cluster, Lease);
        await using var r1 = await Replica.StartAsync(_cluster, Lease);
        var breakers = new[] { r0.Breaker("inventory", ShortBreak), r1.Breaker("inventory", ShortBreak) };
        await Task.WhenAll(r0.Fleet.DrainAsync(), r1.Fleet.DrainAsync()); // joined: the trip is not held up behind a join
        breakers[0].Fail();
        await Eventually.HoldsAsync(() => breakers[1].State == CircuitState.Open, "the fleet opens");

        var gate = new TaskCompletionSource();
        var probes = new List<Task<Outcome<int>>>();
        await Eventually.HoldsAsync(
            () =>
            {
                foreach (var breaker in breakers)
                {
                    var call = breaker.RunGatedAsync(gate.Task);
                    if (!call.IsCompleted)
                    {
                        probes.Add(call);
                    }
                }

                return breakers.Any(breaker => breaker.State == CircuitState.HalfOpen);
            },
            "one replica probes",
            ShortBreak * 5);

        var prober = breakers.Single(breaker => breaker.State == CircuitState.HalfOpen);
        var other = breakers.Single(breaker => breaker != prober);
        Assert.IsType<BrokenCircuitException>((await other.RunGatedAsync(gate.Task)).Exception);
        gate.SetResult();
        Assert.Equal(42, (await Assert.Single(probes)).Result);
        await Eventually.HoldsAsync(() => other.IsHeardIn(CircuitState.Closed), "the other replica closes");
        Assert.Equal(CircuitTransitionReason.Fleet, other.TransitionsSoFar()[^1].Reason);
        Assert.Equal(1, breakers.Sum(breaker => breaker.Probes));
    }

    [Fact]
    public async Task When_the_master_of_a_breakers_slot_dies_mid_traffic_calls_stay_local_and_the_fleet_heals_after_the_failover()
    {
        await using var r0 = await Replica.StartAsync(_cluster);
        await using var r1 = await Replica.StartAsync(_cluster);
        var b0 = r0.Breaker("orders", LongBreak);
        var b1 = r1.Breaker("orders", LongBreak);
        await Task.WhenAll(r0.Fleet.DrainAsync(), r1.Fleet.DrainAsync()); // joined
        var master = await _cluster.MasterOfAsync(new FleetKeys("test").Open("orders"));

        // Traffic through the kill and the failover: every call is decided from memory, synchronously (TestBreaker.Run).
        var traffic = Task.Run(async () =>
        {
            var calls = 0;
            var started = TimeProvider.System.GetTimestamp();
            while (TimeProvider.System.GetElapsedTime(started) < RedisCluster.NodeTimeout * 5)
            {
                Assert.Equal(42, b0.Succeed().Result);
                Assert.Equal(42, b1.Succeed().Result);
                calls += 2;
                await Task.Delay(1);
            }

            return calls;
        });
        await Task.Delay(200);
        await _cluster.KillAsync(master);
        Assert.True(await traffic > 0);

        await _cluster.WaitHealedAsync();
        await Eventually.HoldsAsync(() => r0.Fleet.IsConnected && r1.Fleet.IsConnected, "both fleets are connected again", TimeSpan.FromSeconds(30));

        b0.Fail();
        await Eventually.HoldsAsync(() => b1.IsHeardIn(CircuitState.Open), "a trip travels through the promoted replica", TimeSpan.FromSeconds(30));
        Assert.Equal(CircuitTransitionReason.Fleet, b1.TransitionsSoFar()[^1].Reason);
    }

    [Fact]
    public async Task After_a_slow_failover_both_fleets_resync_within_seconds_of_the_cluster_healing()
    {
        // A busy machine stretches a failover: every resync tried during it fails (CLUSTERDOWN, or a command queued for the
        // dead master). Those failures must not leave the fleets waiting long after the heal (CI, stop 28: more than 30 s).
        await using var r0 = await Replica.StartAsync(_cluster);
        await using var r1 = await Replica.StartAsync(_cluster);
        var b0 = r0.Breaker("orders", LongBreak);
        var b1 = r1.Breaker("orders", LongBreak);
        await Task.WhenAll(r0.Fleet.DrainAsync(), r1.Fleet.DrainAsync()); // joined
        var master = await _cluster.MasterOfAsync(new FleetKeys("test").Open("orders"));
        var promoted = await _cluster.ReplicaOfAsync(master);

        await _cluster.PauseAsync(promoted);
        await _cluster.KillAsync(master);
        await Task.Delay(SlowFailover);
        await _cluster.ResumeAsync(promoted);
        await _cluster.WaitHealedAsync();
        await Eventually.HoldsAsync(() => r0.Fleet.IsConnected && r1.Fleet.IsConnected, "both fleets resync soon after the heal", TimeSpan.FromSeconds(10));

        b0.Fail();
        await Eventually.HoldsAsync(() => b1.IsHeardIn(CircuitState.Open), "a trip travels through the promoted replica");
    }
}
