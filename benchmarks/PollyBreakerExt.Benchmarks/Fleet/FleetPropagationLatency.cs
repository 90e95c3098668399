using System.Diagnostics;
using System.Globalization;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks.Fleet;

/// <summary>
/// DESIGN W1, Cost: how long a trip takes to reach another replica on loopback, from the tripping call to the other
/// replica's breaker opening (its <c>OnStateChanged</c>), over many trips. Two replicas, each with its own connection to
/// a local redis-server; after each trip a fleet-wide close resets both. Run: <c>-- --fleet-latency [trips]</c>, or
/// <c>-- --fleet-latency [trips] --connect "&lt;StackExchange.Redis configuration&gt;"</c> against a Redis (or Redis Cluster) of
/// your own.
/// </summary>
internal static class FleetPropagationLatency
{
    public static int Run(string[] args)
    {
        var trips = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var connect = Array.IndexOf(args, "--connect") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        using var redis = connect is null ? LocalRedis.Start() : null;
        using var connectionA = redis?.Connect() ?? StackExchange.Redis.ConnectionMultiplexer.Connect(connect!);
        using var connectionB = redis?.Connect() ?? StackExchange.Redis.ConnectionMultiplexer.Connect(connect!);
        var fleetA = new RedisCircuitBreakerFleet(connectionA, new RedisCircuitBreakerFleetOptions { KeyPrefix = "latency" });
        var fleetB = new RedisCircuitBreakerFleet(connectionB, new RedisCircuitBreakerFleetOptions { KeyPrefix = "latency" });
        var stateA = new SlowCallCircuitBreakerStateProvider();
        var stateB = new SlowCallCircuitBreakerStateProvider();
        long openedAt = 0;
        using var opened = new SemaphoreSlim(0);
        var tripping = Breaker(fleetA, stateA, onOpened: null);
        _ = Breaker(fleetB, stateB, onOpened: () =>
        {
            Volatile.Write(ref openedAt, Stopwatch.GetTimestamp());
            opened.Release();
        });
        WaitUntil(() => fleetA.IsConnected && fleetB.IsConnected, "both fleets connect");

        var latencies = new double[trips];
        var failure = Outcome.FromException<int>(new InvalidOperationException("trip"));
        for (var i = 0; i < trips; i++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = tripping.ExecuteOutcomeAsync(static (_, f) => new ValueTask<Outcome<int>>(f), ResilienceContextPool.Shared.Get(), failure).AsTask().GetAwaiter().GetResult();
            if (!opened.Wait(TimeSpan.FromSeconds(5)))
            {
                Console.Error.WriteLine($"Trip {i} did not reach the other replica within 5 s.");
                return 1;
            }

            latencies[i] = Stopwatch.GetElapsedTime(started, Volatile.Read(ref openedAt)).TotalMilliseconds;
            fleetA.CloseAsync("payments").GetAwaiter().GetResult();
            WaitUntil(() => stateA.CircuitState == CircuitState.Closed && stateB.CircuitState == CircuitState.Closed, "both close");
        }

        Array.Sort(latencies);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Fleet trip propagation over {trips} trips on loopback: p50 {Percentile(latencies, 0.50):0.000} ms, p90 {Percentile(latencies, 0.90):0.000} ms, p99 {Percentile(latencies, 0.99):0.000} ms, max {latencies[^1]:0.000} ms"));
        fleetA.DisposeAsync().AsTask().GetAwaiter().GetResult();
        fleetB.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private static ResiliencePipeline<int> Breaker(RedisCircuitBreakerFleet fleet, SlowCallCircuitBreakerStateProvider state, Action? onOpened)
        => new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                Name = "payments",
                Fleet = fleet,
                FailureThreshold = 1,
                MinimumThroughput = 1,
                BreakDuration = TimeSpan.FromMinutes(5),
                StateProvider = state,
                OnOpened = _ =>
                {
                    onOpened?.Invoke();
                    return default;
                },
            })
            .Build();

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"Timed out waiting until {what}.");
            }

            Thread.Sleep(1);
        }
    }
}
