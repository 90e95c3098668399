namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// <c>--retained</c>: prints the Retained column of <see cref="WindowMemoryBenchmarks"/> without running BenchmarkDotNet,
/// with each of the five measurements whose median the column shows, so the noise of the measurement shows.
/// </summary>
internal static class RetainedReport
{
    public static int Print()
    {
        string[] scenarios = [nameof(WindowMemoryBenchmarks.Polly), nameof(WindowMemoryBenchmarks.Ours_TimeBased), nameof(WindowMemoryBenchmarks.Ours_CountBased)];
        int[] volumes = [10_000, 1_000_000];
        Console.WriteLine("| Breaker | Calls in window | Retained bytes (median) | Five measurements |");
        Console.WriteLine("|---|---:|---:|---|");
        foreach (var scenario in scenarios)
        {
            foreach (var calls in volumes)
            {
                var measured = Enumerable.Range(0, 5).Select(_ => WindowMemoryBenchmarks.MeasureRetainedOnce(scenario, calls)).ToList();
                var median = measured.Order().ElementAt(measured.Count / 2);
                Console.WriteLine($"| {scenario} | {calls:N0} | {median} | {string.Join(", ", measured)} |");
            }
        }

        return 0;
    }
}
