using BenchmarkDotNet.Running;

namespace PollyBreakerExt.Benchmarks;

public static class Program
{
    /// <summary>
    /// Every BenchmarkDotNet argument works: <c>--filter '*Rejection*'</c>, <c>--job short</c>, <c>--job dry</c>, <c>--list flat</c>.
    /// </summary>
    /// <returns>Non-zero when a benchmark failed to build or run, or threw (e.g. a breaker left the state it measures), so CI notices.</returns>
    public static int Main(string[] args)
    {
        if (args is ["--retained", ..])
        {
            return RetainedReport.Print();
        }

        if (args is ["--tuner", ..])
        {
            return Tuner.TunerReport.Print(args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000);
        }

        if (args is ["--fleet-latency", ..])
        {
            return Fleet.FleetPropagationLatency.Run(args);
        }

        if (args is ["--fleet-propagation", ..])
        {
            return Fleet.FleetProcessPropagation.Run(args);
        }

        if (args is ["--fleet-replica", ..])
        {
            return Fleet.FleetProcessPropagation.RunReplica(args);
        }

        if (args is ["--fleet-closed-ratio", ..])
        {
            return Fleet.FleetClosedPathRatio.Run(args);
        }

        if (args is ["--contention", ..])
        {
            return InterleavedContention.Run(args);
        }

        if (args is ["--keyed-cost", ..])
        {
            return KeyedCost.Run(args);
        }

        if (args is ["--interleaved", ..])
        {
            return InterleavedComparison.Run(args);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
        if (summaries.Count == 0 && args.Contains("--filter"))
        {
            Console.Error.WriteLine("No benchmark matched the filter.");
            return 1;
        }

        var failed = summaries.Where(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)).Select(s => s.Title).ToList();
        foreach (var title in failed)
        {
            Console.Error.WriteLine($"Benchmark run failed: {title}");
        }

        return failed.Count == 0 ? 0 : 1;
    }
}
