using System.Globalization;
using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;
using Spectre.Console;

namespace PollyBreakerExt.Demo.Fleet;

/// <summary>
/// <c>--fleet &lt;redis&gt;</c>: three replicas of the product API in one process, each with its own Redis connection,
/// sharing their breakers. All the traffic goes to replica-1; replicas 2 and 3 see a trickle too thin to trip alone, so
/// when the upstream fails, replica-1's trip is what opens them (reason Fleet), and one probe closes all three.
/// </summary>
public static class FleetDemo
{
    public const int Replicas = 3;

    public static async Task<int> RunAsync(DemoOptions options, TextWriter output, bool live, CancellationToken cancellationToken)
    {
        var timings = new DemoTimings(options.Speed);
        var behavior = new UpstreamBehavior(timings) { Phase = UpstreamPhase.Healthy };
        await using var upstream = await UpstreamServer.StartAsync(behavior, cancellationToken);

        // A prefix of this run's own, so that two demos on one Redis do not share breakers.
        var prefix = "pollybreakerext-demo-" + Guid.NewGuid().ToString("N")[..8];
        var replicas = new List<FleetReplica>();
        try
        {
            for (var i = 1; i <= Replicas; i++)
            {
                replicas.Add(await FleetReplica.StartAsync($"replica-{i}", options.Fleet!, prefix, upstream.Address, timings, cancellationToken));
            }

            if (!await ConnectedAsync(replicas, cancellationToken))
            {
                await output.WriteLineAsync($"error: the replicas cannot reach Redis at '{options.Fleet}'. Start one (redis-server) or pass another connection string.");
                return DemoProgram.ExitFailed;
            }

            foreach (var replica in replicas)
            {
                await replica.RequestAsync(9_000, cancellationToken); // builds its pipeline: the breaker joins the fleet
            }

            // The run's clock starts after the first requests, which can take seconds on a cold or busy machine: timed
            // from before them, the clients' share of a short run could end before the upstream's failing phase begins.
            var startedAt = TimeProvider.System.GetTimestamp();
            foreach (var replica in replicas)
            {
                replica.Transitions.Start(startedAt);
            }

            if (live)
            {
                var run = DriveAsync(options, timings, behavior, replicas, startedAt, cancellationToken);
                await FleetLiveView.FollowAsync(AnsiConsole.Console, replicas, behavior, startedAt, options.WallDuration, run);
            }
            else
            {
                // Transitions arrive on the three replicas' threads at once.
                var lines = TextWriter.Synchronized(output);
                foreach (var replica in replicas)
                {
                    replica.Transitions.Recorded += transition => lines.WriteLine(Line(replica.Name, transition));
                }

                await lines.WriteLineAsync($"Fleet demo: {Replicas} replicas on Redis '{options.Fleet}' (prefix {prefix}); traffic on replica-1, a trickle on the others.");
                await DriveAsync(options, timings, behavior, replicas, startedAt, cancellationToken);
            }

            return await ReportAsync(replicas, output);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    public static string Line(string replica, BreakerTransition transition)
        => string.Create(CultureInfo.InvariantCulture, $"{transition.At.TotalSeconds,7:0.00}s  {replica}  {transition.From} -> {transition.To}  [{transition.Reason}]");

    private static async Task<bool> ConnectedAsync(List<FleetReplica> replicas, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 100 && !replicas.TrueForAll(replica => replica.Fleet.IsConnected); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
        }

        return replicas.TrueForAll(replica => replica.Fleet.IsConnected);
    }

    /// <summary>Healthy for a quarter of the run, failing for half, recovered for the rest.</summary>
    private static async Task DriveAsync(DemoOptions options, DemoTimings timings, UpstreamBehavior behavior, List<FleetReplica> replicas, long startedAt, CancellationToken cancellationToken)
    {
        var wall = options.WallDuration;
        var clients = new List<Task>();
        for (var i = 0; i < options.Clients; i++)
        {
            clients.Add(ClientAsync(replicas[0], timings.ClientThinkTime, wall, startedAt, cancellationToken));
        }

        foreach (var replica in replicas.Skip(1))
        {
            // At most 4 calls per 2 s window: under the breaker's minimum throughput of 10, so it cannot trip alone.
            clients.Add(ClientAsync(replica, timings.Scale(500), wall, startedAt, cancellationToken));
        }

        await Task.Delay(wall / 4, TimeProvider.System, cancellationToken);
        behavior.Phase = UpstreamPhase.Failing;
        await Task.Delay(wall / 2, TimeProvider.System, cancellationToken);
        behavior.Phase = UpstreamPhase.Recovered;
        await Task.WhenAll(clients);
    }

    private static async Task ClientAsync(FleetReplica replica, TimeSpan thinkTime, TimeSpan until, long startedAt, CancellationToken cancellationToken)
    {
        while (TimeProvider.System.GetElapsedTime(startedAt) < until)
        {
            await replica.RequestAsync(Random.Shared.Next(1, 50), cancellationToken);
            await Task.Delay(thinkTime, TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Prints what each replica did; succeeds when the quiet replicas were opened by the fleet.</summary>
    private static async Task<int> ReportAsync(List<FleetReplica> replicas, TextWriter output)
    {
        await output.WriteLineAsync();
        var openedByFleet = 0;
        foreach (var replica in replicas)
        {
            var transitions = replica.Transitions.Snapshot();
            var fromFleet = transitions.Count(t => t.To == CircuitState.Open && t.Reason == CircuitTransitionReason.Fleet);
            var own = transitions.Count(t => t.To == CircuitState.Open && t.Reason != CircuitTransitionReason.Fleet);
            openedByFleet += replica == replicas[0] ? 0 : Math.Min(fromFleet, 1);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{replica.Name}: {replica.Ok} ok, {replica.NotOk} not ok; opened {own} time(s) by itself, {fromFleet} time(s) by the fleet; now {replica.State}."));
        }

        var told = openedByFleet == replicas.Count - 1;
        await output.WriteLineAsync(told
            ? "One replica's trip opened all three: the quiet replicas stopped calling the failing upstream without failing themselves."
            : "The quiet replicas were not opened by the fleet this run (did the upstream fail long enough to trip replica-1?).");
        return told ? DemoProgram.ExitOk : DemoProgram.ExitFailed;
    }
}
