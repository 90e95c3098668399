using PollyBreakerExt;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>One replica: its own connection to Redis and its fleet.</summary>
public sealed class Replica : IAsyncDisposable
{
    private Replica(ConnectionMultiplexer connection, RedisCircuitBreakerFleet fleet)
    {
        Connection = connection;
        Fleet = fleet;
    }

    public ConnectionMultiplexer Connection { get; }

    public RedisCircuitBreakerFleet Fleet { get; }

    public static Task<Replica> StartAsync(RedisServer server, Action<RedisCircuitBreakerFleetOptions>? configure = null, string prefix = "test")
        => StartAsync(server.ConnectionString, configure, prefix);

    /// <summary>
    /// Starts a replica whose fleet keeps time by <paramref name="timeProvider"/> (its heartbeat too); Redis answers in real
    /// time. The client's own keep-alive pings, which run on real time, are off: every command the connection sends is the fleet's.
    /// </summary>
    public static Task<Replica> StartAsync(RedisServer server, TimeProvider timeProvider)
        => StartAsync(server.ConnectionString + ",keepAlive=3600", configure: null, "test", timeProvider);

    /// <summary>Starts a replica that reaches Redis through <paramref name="proxy"/>, so the test can cut it off alone.</summary>
    public static Task<Replica> StartThroughAsync(TcpProxy proxy, Action<RedisCircuitBreakerFleetOptions>? configure = null)
        => StartAsync(RedisServer.ConnectionStringFor(proxy.Port), configure, "test");

    internal static async Task<Replica> StartAsync(string connectionString, Action<RedisCircuitBreakerFleetOptions>? configure = null, string prefix = "test", TimeProvider? timeProvider = null)
    {
        var options = new RedisCircuitBreakerFleetOptions { KeyPrefix = prefix };
        configure?.Invoke(options);
        var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var replica = new Replica(connection, new RedisCircuitBreakerFleet(Task.FromResult<IConnectionMultiplexer>(connection), options, ownsConnection: false, FleetLogs.Factory, timeProvider));
        await Eventually.HoldsAsync(() => replica.Fleet.IsConnected, $"replica {replica.Fleet.ReplicaId} is connected");
        return replica;
    }

    /// <summary>Starts a replica whose connection names every node of <paramref name="cluster"/>, as an application on a cluster would.</summary>
    public static Task<Replica> StartAsync(RedisCluster cluster, Action<RedisCircuitBreakerFleetOptions>? configure = null)
        => StartAsync(cluster.ConnectionString, configure, "test");

    public static async Task<Replica[]> StartManyAsync(RedisServer server, int count, Action<RedisCircuitBreakerFleetOptions>? configure = null)
    {
        var replicas = new Replica[count];
        for (var i = 0; i < count; i++)
        {
            replicas[i] = await StartAsync(server, configure);
        }

        return replicas;
    }

    public TestBreaker Breaker(string name, TimeSpan breakDuration, int successThreshold = 1) => new(name, Fleet, breakDuration, successThreshold);

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
