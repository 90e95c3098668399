using System.Diagnostics;
using System.Globalization;
using Polly;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// What a keyed breaker's call costs over an unkeyed one (issue 22: a known key at most 1.2 ×), in short interleaved rounds.
/// </summary>
/// <remarks>
/// Each round times 2,000 calls of each pipeline back to back (short batches, so that on a loaded machine few are cut by
/// another process), and the ratio of each round is taken against the unkeyed batch of the same round; the median of those
/// ratios is the verdict. Pipelines are separate, so one key's breaker is not evicted from the caches by the 1,000-key
/// run. The contexts are set up once and indexed without a division. Run: <c>-- --keyed-cost [rounds]</c> (default 3,000).
/// </remarks>
internal static class KeyedCost
{
    private const int Batch = 2_000;
    private static readonly ResiliencePropertyKey<string> TenantKey = new("tenant");

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3_000;
        var oneKey = new[] { Context("tenant-0") };
        var keys = Enumerable.Range(0, 1_000).Select(i => Context($"tenant-{i}")).ToArray();
        var rows = new (string Name, ResiliencePipeline<int> Pipeline, ResilienceContext[] Contexts)[]
        {
            ("unkeyed", Pipelines.Ours(new()), oneKey),
            ("constant selector", Pipelines.Ours(new() { KeySelector = static _ => "tenant-0" }), oneKey),
            ("1 known key (context property)", Pipelines.Ours(new() { KeySelector = static context => context.Properties.GetValue(TenantKey, "default") }), oneKey),
            ("1,000 known keys in turn", Pipelines.Ours(new() { KeySelector = static context => context.Properties.GetValue(TenantKey, "default") }), keys),
        };

        var times = rows.Select(_ => new List<double>(rounds)).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var row = 0; row < rows.Length; row++)
            {
                times[row].Add(Time(rows[row].Pipeline, rows[row].Contexts));
            }
        }

        Console.WriteLine($"Keyed call cost, {rounds} rounds of {Batch:N0} calls; ratio = keyed / unkeyed in the same round.");
        Console.WriteLine($"{"pipeline",-32} {"ns p10",7} {"ns median",9} {"ratio median",12} {"q1",5} {"q3",5}");
        for (var row = 0; row < rows.Length; row++)
        {
            var sorted = times[row].Order().ToArray();
            var ratios = times[row].Zip(times[0], static (keyed, unkeyed) => keyed / unkeyed).Order().ToArray();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{rows[row].Name,-32} {sorted[sorted.Length / 10],7:0.0} {sorted[sorted.Length / 2],9:0.0} {ratios[ratios.Length / 2],12:0.00} {ratios[ratios.Length / 4],5:0.00} {ratios[3 * ratios.Length / 4],5:0.00}"));
        }

        return 0;
    }

    private static ResilienceContext Context(string tenant)
    {
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(TenantKey, tenant);
        return context;
    }

    private static double Time(ResiliencePipeline<int> pipeline, ResilienceContext[] contexts)
    {
        var started = Stopwatch.GetTimestamp();
        for (int i = 0, k = 0; i < Batch; i++)
        {
            var pending = pipeline.ExecuteOutcomeAsync(static (_, s) => Outcome.FromResultAsValueTask(s), contexts[k], i);
            if (!pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("A closed-path call went asynchronous.");
            }

            k = k + 1 == contexts.Length ? 0 : k + 1;
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / Batch;
    }
}
