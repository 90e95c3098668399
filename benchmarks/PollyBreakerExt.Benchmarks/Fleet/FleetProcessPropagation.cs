using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Polly;
using StackExchange.Redis;

namespace PollyBreakerExt.Benchmarks.Fleet;

/// <summary>
/// DESIGN W1 (F2, Cost) with replicas in OS processes of their own (#20): N copies of this program, each one replica
/// with its own connection, fleet and breaker. Each trip is made by the next replica in turn; every other replica stamps
/// the moment its breaker opened (reason <c>Fleet</c>, in its <c>OnStateChanged</c>) with <see cref="Stopwatch.GetTimestamp"/>,
/// which on Linux is <c>CLOCK_MONOTONIC</c>, one clock for every process of the machine; the tripper stamps the moment
/// before its tripping call. After each trip a fleet-wide close resets all. Run:
/// <c>-- --fleet-propagation &lt;replicas&gt; [trips] [--connect "&lt;StackExchange.Redis configuration&gt;"] [--raw]</c>
/// (<c>--raw</c>: plain <c>PUBLISH</c> between the same processes, no fleet: the floor).
/// </summary>
internal static class FleetProcessPropagation
{
    private const string Key = "payments";
    private const int WarmUpTrips = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // eight .NET processes starting on a loaded 2-core machine

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        var trips = args.Length > 2 && !args[2].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var connect = Array.IndexOf(args, "--connect") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        var raw = args.Contains("--raw");
        using var redis = connect is null ? LocalRedis.Start() : null;
        connect ??= string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redis!.Port}");

        var replicas = Enumerable.Range(0, count).Select(i => ChildReplica.Start(connect, $"replica-{i}", raw)).ToArray();
        try
        {
            foreach (var replica in replicas)
            {
                replica.Expect("ready");
            }

            List<double> latencies = [], firstHeard = [], heardAfterFirst = [], applied = [];
            for (var i = 0; i < WarmUpTrips + trips; i++)
            {
                var tripper = replicas[i % count];
                tripper.Send("trip");
                var trippedAt = long.Parse(tripper.Expect("tripped")[1], CultureInfo.InvariantCulture);
                var receptions = replicas.Where(replica => replica != tripper).Select(other => other.Expect("opened")).Select(opened => (
                    Opened: long.Parse(opened[1], CultureInfo.InvariantCulture), Heard: long.Parse(opened[2], CultureInfo.InvariantCulture))).ToArray();
                var firstHeardAt = receptions.Min(reception => reception.Heard);
                if (i >= WarmUpTrips)
                {
                    firstHeard.Add(Stopwatch.GetElapsedTime(trippedAt, firstHeardAt).TotalMilliseconds);
                    foreach (var (openedAt, heardAt) in receptions)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(trippedAt, openedAt).TotalMilliseconds);
                        heardAfterFirst.Add(Stopwatch.GetElapsedTime(firstHeardAt, heardAt).TotalMilliseconds);
                        applied.Add(Stopwatch.GetElapsedTime(heardAt, openedAt).TotalMilliseconds);
                    }
                }

                tripper.Send("close");
                foreach (var replica in replicas)
                {
                    replica.Expect("closed");
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(raw ? "Plain PUBLISH (no fleet, the floor)" : "Fleet trip propagation")}, {count} replica processes, {trips} trips ({latencies.Count} receptions) on {connect}, load average {File.ReadAllText("/proc/loadavg").Trim()}:"));
            Print("trip to open (the measure)", latencies);
            Print("trip to the first replica hearing the message (sender and Redis)", firstHeard);
            Print("first replica hearing it to each one hearing it (delivery and wake-up)", heardAfterFirst);
            Print("heard to open (the fleet applying it)", applied);
            return 0;
        }
        finally
        {
            foreach (var replica in replicas)
            {
                replica.Dispose();
            }
        }
    }

    /// <summary>
    /// One replica, run in the child process: <c>--fleet-replica &lt;configuration&gt; &lt;replica id&gt;</c>. Prints
    /// <c>ready</c>; on <c>trip</c> prints <c>tripped &lt;timestamp&gt;</c>; on <c>close</c> closes the breaker fleet-wide;
    /// prints <c>opened &lt;timestamp&gt;</c> when the fleet opens its breaker and <c>closed</c> when it closes.
    /// </summary>
    public static int RunReplica(string[] args)
    {
        if (args.Contains("--raw"))
        {
            return RunPlainReplica(args);
        }

        using var connection = ConnectionMultiplexer.Connect(args[1]);
        var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions { KeyPrefix = "propagation", ReplicaId = args[2] });
        long heardAt = 0;
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                Name = Key,
                Fleet = fleet,
                FailureThreshold = 1,
                MinimumThroughput = 1,
                BreakDuration = TimeSpan.FromMinutes(5),
                OnStateChanged = args =>
                {
                    var now = Stopwatch.GetTimestamp();
                    if (args.NewState == Polly.CircuitBreaker.CircuitState.Open && args.Reason == CircuitTransitionReason.Fleet)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"opened {now} {Volatile.Read(ref heardAt)}"));
                    }
                    else if (args.NewState == Polly.CircuitBreaker.CircuitState.Closed)
                    {
                        Console.WriteLine("closed");
                    }

                    return default;
                },
            })
            .Build();
        var started = Stopwatch.GetTimestamp();
        while (!fleet.IsConnected)
        {
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                Console.Error.WriteLine($"{args[2]} did not connect within {Patience}.");
                return 1;
            }

            Thread.Sleep(10);
        }

        // The fleet's message reaching this process: a second handler on the breaker's channel, run after the fleet's own.
        connection.GetSubscriber().Subscribe(
            connection.GetServers().All(server => server.Version >= new Version(7, 0)) ? RedisChannel.Sharded("propagation:events:{" + Key + "}") : RedisChannel.Literal("propagation:events"),
            (_, _) => Volatile.Write(ref heardAt, Stopwatch.GetTimestamp()));
        Console.WriteLine("ready");
        var failure = Outcome.FromException<int>(new InvalidOperationException("trip"));
        while (Console.ReadLine() is { } command && command != "quit")
        {
            if (command == "trip")
            {
                var trippedAt = Stopwatch.GetTimestamp();
                _ = pipeline.ExecuteOutcomeAsync(static (_, f) => new ValueTask<Outcome<int>>(f), ResilienceContextPool.Shared.Get(), failure).AsTask().GetAwaiter().GetResult();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tripped {trippedAt}"));
            }
            else if (command == "close")
            {
                fleet.CloseAsync(Key).GetAwaiter().GetResult();
            }
        }

        fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    /// <summary>
    /// <c>--raw</c>: the same protocol with no fleet and no breaker, a trip being one <c>PUBLISH</c> each other process
    /// hears: the floor that the client, Redis and the machine's scheduling set for the fleet's figure.
    /// </summary>
    private static int RunPlainReplica(string[] args)
    {
        using var connection = ConnectionMultiplexer.Connect(args[1]);
        // The kind of channel the fleet itself uses on this server (sharded from Redis 7), so the floor is comparable.
        var channel = connection.GetServers().All(server => server.Version >= new Version(7, 0)) ? RedisChannel.Sharded("propagation:plain:{" + Key + "}") : RedisChannel.Literal("propagation:plain");
        var self = args[2];
        var subscriber = connection.GetSubscriber();
        subscriber.Subscribe(channel, (_, message) =>
        {
            var now = Stopwatch.GetTimestamp();
            var text = (string)message!;
            if (text == "close")
            {
                Console.WriteLine("closed");
            }
            else if (text != self)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"opened {now} {now}"));
            }
        });
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } command && command != "quit")
        {
            if (command == "trip")
            {
                var trippedAt = Stopwatch.GetTimestamp();
                _ = subscriber.PublishAsync(channel, self);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tripped {trippedAt}"));
            }
            else if (command == "close")
            {
                subscriber.Publish(channel, "close");
            }
        }

        return 0;
    }

    private static void Print(string what, List<double> milliseconds)
    {
        milliseconds.Sort();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {what}: p50 {Percentile(milliseconds, 0.50):0.000} ms, p90 {Percentile(milliseconds, 0.90):0.000} ms, p99 {Percentile(milliseconds, 0.99):0.000} ms, max {milliseconds[^1]:0.000} ms"));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>A child process running <see cref="RunReplica"/>, its output read line by line in the background.</summary>
    private sealed class ChildReplica : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = [];

        private ChildReplica(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, line) =>
            {
                if (line.Data is { } data)
                {
                    _lines.Add(data);
                }
            };
            _process.BeginOutputReadLine();
        }

        public static ChildReplica Start(string connect, string id, bool raw)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { typeof(FleetProcessPropagation).Assembly.Location, "--fleet-replica", connect, id, raw ? "--raw" : "--fleet" },
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            return new ChildReplica(Process.Start(start)!);
        }

        public void Send(string command) => _process.StandardInput.WriteLine(command);

        /// <summary>Waits for the next line, which must start with <paramref name="word"/>; returns its words.</summary>
        public string[] Expect(string word)
        {
            if (!_lines.TryTake(out var line, Patience))
            {
                throw new InvalidOperationException($"A replica did not print '{word}' within {Patience}.");
            }

            var words = line.Split(' ');
            return words[0] == word ? words : throw new InvalidOperationException($"A replica printed '{line}', not '{word}'.");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                if (!_process.WaitForExit(Patience))
                {
                    _process.Kill();
                }
            }

            _process.Dispose();
            _lines.Dispose();
        }
    }
}
