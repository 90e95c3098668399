using System.Diagnostics;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Benchmarks.Tuner;

/// <summary>
/// <c>--tuner [calls]</c>: the tuner's measurements that need more than a microbenchmark: replay speed on a long trace
/// (default 10 M calls) in calls per second of CPU time, memory against trace length, and a sweep on 1 core vs all.
/// </summary>
internal static class TunerReport
{
    public static int Print(long calls)
    {
        var options = CandidateOptions.Create("report", [
            new("FailureThreshold", "null"), new("FailureRatio", "0.5"), new("MinimumThroughput", "20"),
            new("SlowCallDurationThreshold", "\"00:00:01\""), new("SamplingDuration", "\"00:00:10\""), new("BreakDuration", "\"00:00:05\"")]);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| Trace | Calls | Load + sort | Replay wall | Replay CPU | Calls/s of CPU | Peak working set | Opens |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var overlapping in new[] { false, true })
        {
            foreach (var count in new[] { calls / 10, calls })
            {
                var path = Path.Combine(Path.GetTempPath(), $"tuner-report-{Guid.NewGuid():N}.csv");
                try
                {
                    SyntheticTrace.Write(path, count, overlapping);
                    GC.Collect();
                    var load = Stopwatch.StartNew();
                    using var trace = SortedTrace.Load(path);
                    load.Stop();
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var wall = Stopwatch.StartNew();
                    var result = TraceReplayer.Run(trace, options);
                    wall.Stop();
                    var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                    Console.WriteLine($"| {(overlapping ? "overlapping" : "sequential")} | {count:N0} | {load.Elapsed.TotalSeconds:0.0} s | {wall.Elapsed.TotalSeconds:0.00} s | {cpuTime.TotalSeconds:0.00} s | {count / cpuTime.TotalSeconds / 1e6:0.00} M | {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB | {result.Opens:N0} |");
                }
                finally
                {
                    File.Delete(path);
                }
            }
        }

        Console.WriteLine();
        SweepScaling(calls / 10, options);
        return 0;
    }

    private static void SweepScaling(long calls, CandidateOptions options)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tuner-report-{Guid.NewGuid():N}.csv");
        try
        {
            SyntheticTrace.Write(path, calls, overlapping: true);
            using var trace = SortedTrace.Load(path);
            var candidates = Enumerable.Range(0, 8).Select(i => CandidateOptions.Create("report", [.. options.Properties.Where(p => p.Key != "FailureRatio"), new("FailureRatio", $"0.{i + 1}")])).ToList();
            Console.WriteLine($"Sweep of {candidates.Count} candidates over {calls:N0} overlapping calls:");
            Console.WriteLine();
            Console.WriteLine("| Parallel | Wall | CPU | Speed-up |");
            Console.WriteLine("|---:|---:|---:|---:|");
            double? single = null;
            foreach (var parallel in Enumerable.Range(1, Environment.ProcessorCount))
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                SweepRunner.Run(trace, candidates, parallel);
                wall.Stop();
                var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                single ??= wall.Elapsed.TotalSeconds;
                Console.WriteLine($"| {parallel} | {wall.Elapsed.TotalSeconds:0.00} s | {cpuTime.TotalSeconds:0.00} s | {single / wall.Elapsed.TotalSeconds:0.00} x |");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
