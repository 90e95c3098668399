using System.Diagnostics;
using System.Globalization;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks.Fleet;

/// <summary>
/// The closed path with a fleet attached against the same breaker alone, as the median ratio of interleaved rounds
/// (each round times both back to back, alternating which goes first), because sequential runs drift on a shared
/// machine. Also the bytes allocated per call. Run: <c>-- --fleet-closed-ratio [rounds]</c>.
/// </summary>
internal static class FleetClosedPathRatio
{
    private const int CallsPerRound = 200_000;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 41;
        using var redis = LocalRedis.Start();
        using var connection = redis.Connect();
        var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions { KeyPrefix = "ratio" });
        for (var i = 0; i < 500 && !fleet.IsConnected; i++)
        {
            Thread.Sleep(10);
        }

        var aloneState = new SlowCallCircuitBreakerStateProvider();
        var fleetState = new SlowCallCircuitBreakerStateProvider();
        var alone = Pipelines.Ours(new() { Name = "payments", StateProvider = aloneState });
        var inFleet = Pipelines.Ours(new() { Name = "payments", StateProvider = fleetState, Fleet = fleet });

        // Warm-up: both paths tiered up before anything counts.
        Time(alone, CallsPerRound);
        Time(inFleet, CallsPerRound);

        var ratios = new double[rounds];
        double aloneTotal = 0, fleetTotal = 0;
        for (var round = 0; round < rounds; round++)
        {
            double a, f;
            if (round % 2 == 0)
            {
                a = Time(alone, CallsPerRound);
                f = Time(inFleet, CallsPerRound);
            }
            else
            {
                f = Time(inFleet, CallsPerRound);
                a = Time(alone, CallsPerRound);
            }

            ratios[round] = f / a;
            aloneTotal += a;
            fleetTotal += f;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        Time(inFleet, CallsPerRound);
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)CallsPerRound;

        if (aloneState.CircuitState != CircuitState.Closed || fleetState.CircuitState != CircuitState.Closed || !fleet.IsConnected)
        {
            Console.Error.WriteLine("A breaker left the closed state, or the fleet lost Redis: the numbers measure the wrong path.");
            return 1;
        }

        Array.Sort(ratios);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Closed path, generic, sync, {rounds} interleaved rounds of {CallsPerRound} calls: alone {aloneTotal / rounds / CallsPerRound * 1e9:0.0} ns, in a fleet {fleetTotal / rounds / CallsPerRound * 1e9:0.0} ns per call; median ratio {ratios[rounds / 2]:0.000} (p10 {ratios[rounds / 10]:0.000}, p90 {ratios[rounds * 9 / 10]:0.000}); in a fleet {allocated:0.##} B per call"));
        fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    /// <summary>Seconds taken by <paramref name="calls"/> successful calls.</summary>
    private static double Time(ResiliencePipeline<int> pipeline, int calls)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            pipeline.Execute(static () => 42);
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
