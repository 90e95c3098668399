using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace PollyBreakerExt.PackageTests;

/// <summary>The Redis package: a breaker in a fleet whose Redis is unreachable keeps its own behaviour.</summary>
internal static class RedisChecks
{
    public static async Task FleetWithoutRedisTripsAndRejectsLocally()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{ClosedPort()},abortConnect=false,connectTimeout=200");
        await using var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions { ReplicaId = "consumer" });
        Checks.Expect("consumer", fleet.ReplicaId, "ReplicaId");
        Checks.Expect(false, fleet.IsConnected, "IsConnected with no Redis listening");

        var state = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "consumer-fleet",
                FailureThreshold = 1,
                Fleet = fleet,
                StateProvider = state,
            })
            .Build();

        await Checks.ExpectThrows<InvalidOperationException>(
            () => Task.Run(() => pipeline.Execute(() => throw new InvalidOperationException("the dependency failed"))), "failing call");
        Checks.Expect(CircuitState.Open, state.CircuitState, "state after the failure, Redis down");
        await Checks.ExpectThrows<BrokenCircuitException>(() => Task.Run(() => pipeline.Execute(() => { })), "call on the open circuit");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
