using System.Diagnostics;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// The verdicts against Polly's breaker: many rounds, each timing Polly's breaker and ours back to back over the same
/// calls, alternating which goes first; the median of the per-round ratios and its quartiles.
/// </summary>
/// <remarks>
/// Sequential BenchmarkDotNet runs of one benchmark after another drift by ±25 % on a shared machine; two batches timed
/// back to back see the same load, so their ratio does not. Run: <c>-- --interleaved [--rounds N] [--only TEXT] [--write FILE]</c>;
/// <c>--write</c> writes the table the README and docs cite (benchmarks/results/).
/// </remarks>
internal static class InterleavedComparison
{
    private const int ClosedBatch = 20_000;
    private const int CycleBatch = 2_000;

    /// <summary>How long each scenario runs both breakers before it is timed.</summary>
    internal static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<string> TenantKey = new("tenant");
    private static readonly List<string> s_rows = [];
    private static string? s_only;

    public static int Run(string[] args)
    {
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(101);
        s_only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
        var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();
        Console.WriteLine($"Interleaved comparison, {rounds} rounds; ratio = ours / Polly's breaker (lower is faster); B/op = bytes allocated per operation.");
        Console.WriteLine($"{"scenario",-62} {"median",7} {"q1",6} {"q3",6} {"ours ns",8} {"Polly ns",8} {"ours B/op",9} {"Polly B/op",10}");

        var failure = Outcome.FromException<int>(new InvalidOperationException("failed"));
        var success = Outcome.FromResult(42);
        var polly = Pipelines.Polly(new());
        var pollyNonGeneric = Pipelines.PollyNonGeneric(new());

        Compare("closed, generic, outcome API, default options", rounds, ClosedBatch, Closed(polly), Closed(Pipelines.Ours(new())));
        Compare("closed, non-generic, async API, default options", rounds, ClosedBatch, ClosedNonGeneric(pollyNonGeneric), ClosedNonGeneric(Pipelines.OursNonGeneric(new())));
        Compare("closed, generic, CountInFlightSlowCalls off", rounds, ClosedBatch, Closed(polly), Closed(Pipelines.Ours(new() { CountInFlightSlowCalls = false })));
        Compare("closed, generic, slow-call detection off", rounds, ClosedBatch, Closed(polly), Closed(Pipelines.Ours(new() { SlowCallDurationThreshold = null })));
        Compare("closed, generic, count-based, slow-call detection off", rounds, ClosedBatch, Closed(polly), Closed(Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.CountBased, SlowCallDurationThreshold = null })));
        Compare("closed, generic, empty pipeline (the floor)", rounds, ClosedBatch, Closed(polly), Closed(ResiliencePipeline<int>.Empty));

        // Keyed: the selector reads the key from the context, as the docs show; each context carries its key once.
        // "ours unkeyed" is the baseline of the first two rows (ratio = keyed / unkeyed), Polly's of the last.
        var unkeyed = Pipelines.Ours(new());
        var keyed = Pipelines.Ours(new() { KeySelector = static context => context.Properties.GetValue(TenantKey, "default") });
        Compare("keyed, 1 known key / ours unkeyed (keyed)", rounds, ClosedBatch, Closed(unkeyed), ClosedKeyed(keyed, 1));
        var constant = Pipelines.Ours(new() { KeySelector = static _ => "tenant-0" });
        Compare("keyed, constant selector / ours unkeyed (keyed)", rounds, ClosedBatch, Closed(unkeyed), Closed(constant));
        Compare("keyed, 1,000 known keys in turn / ours unkeyed (keyed)", rounds, ClosedBatch, Closed(unkeyed), ClosedKeyed(keyed, 1_000));
        Compare("keyed, 1 known key / Polly, generic (keyed)", rounds, ClosedBatch, Closed(polly), ClosedKeyed(keyed, 1));

        var pollyOpen = Pipelines.Polly(new() { BreakDuration = TimeSpan.FromDays(1), MinimumThroughput = 2, FailureRatio = 0.1 });
        var oursOpen = Pipelines.Ours(new() { BreakDuration = TimeSpan.FromDays(1), FailureThreshold = 1 });
        Trip(pollyOpen, failure);
        Trip(oursOpen, failure);
        Compare("open, generic, outcome API (rejection)", rounds, ClosedBatch, Closed(pollyOpen), Closed(oursOpen));

        var pollyClock = new ManualClock();
        var oursClock = new ManualClock();
        var pollyCycle = Pipelines.Polly(new() { FailureRatio = 1.0, MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(1) }, pollyClock);
        var oursCycle = Pipelines.Ours(new() { FailureThreshold = 2, SuccessThreshold = 1, BreakDuration = TimeSpan.FromSeconds(1) }, oursClock);
        Compare("half-open cycle (open, probe, close), generic", rounds, CycleBatch, Cycle(pollyCycle, pollyClock, failure, success), Cycle(oursCycle, oursClock, failure, success));
        if (write is not null)
        {
            ResultsTable.Write(
                write,
                $"Interleaved rounds against Polly's breaker ({rounds} rounds; ratio = our time / Polly's, lower is faster; ns and B per call, medians).",
                "| scenario | ratio | q1 | q3 | ours ns | Polly ns | ours B | Polly B |",
                s_rows);
        }

        return 0;
    }

    private static Action<int> Closed(ResiliencePipeline<int> pipeline) => n =>
    {
        var context = ResilienceContextPool.Shared.Get();
        for (var i = 0; i < n; i++)
        {
            var pending = pipeline.ExecuteOutcomeAsync(static (_, s) => Outcome.FromResultAsValueTask(s), context, i);
            if (!pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("A closed-path call went asynchronous.");
            }
        }

        ResilienceContextPool.Shared.Return(context);
    };

    private static Action<int> ClosedKeyed(ResiliencePipeline<int> pipeline, int keys)
    {
        var contexts = Enumerable.Range(0, keys).Select(i =>
        {
            var context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(TenantKey, $"tenant-{i}");
            return context;
        }).ToArray();
        // Indexed without a division: an integer division per call (about 4 ns here) is not the breaker's cost, and the
        // unkeyed baseline does not pay it.
        return n =>
        {
            for (int i = 0, k = 0; i < n; i++)
            {
                var pending = pipeline.ExecuteOutcomeAsync(static (_, s) => Outcome.FromResultAsValueTask(s), contexts[k], i);
                if (!pending.IsCompletedSuccessfully)
                {
                    throw new InvalidOperationException("A closed-path call went asynchronous.");
                }

                k = k + 1 == contexts.Length ? 0 : k + 1;
            }
        };
    }

    private static Action<int> ClosedNonGeneric(ResiliencePipeline pipeline) => n =>
    {
        for (var i = 0; i < n; i++)
        {
            var pending = pipeline.ExecuteAsync(static (s, _) => new ValueTask<int>(s), i, CancellationToken.None);
            if (!pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("A closed-path call went asynchronous.");
            }
        }
    };

    private static Action<int> Cycle(ResiliencePipeline<int> pipeline, ManualClock clock, Outcome<int> failure, Outcome<int> success) => n =>
    {
        for (var i = 0; i < n; i++)
        {
            Execute(pipeline, failure);
            Execute(pipeline, failure);
            clock.Advance(TimeSpan.FromSeconds(1));
            if (Execute(pipeline, success).Exception is { } exception)
            {
                throw new InvalidOperationException("The probe did not pass.", exception);
            }
        }
    };

    private static Outcome<int> Execute(ResiliencePipeline<int> pipeline, Outcome<int> result)
    {
        var context = ResilienceContextPool.Shared.Get();
        var pending = pipeline.ExecuteOutcomeAsync(static (_, r) => new ValueTask<Outcome<int>>(r), context, result);
        var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        ResilienceContextPool.Shared.Return(context);
        return outcome;
    }

    private static void Trip(ResiliencePipeline<int> pipeline, Outcome<int> failure)
    {
        for (var i = 0; i < 10; i++)
        {
            Execute(pipeline, failure);
        }

        if (Execute(pipeline, Outcome.FromResult(1)).Exception is not BrokenCircuitException)
        {
            throw new InvalidOperationException("The breaker did not open.");
        }
    }

    private static void Compare(string scenario, int rounds, int batch, Action<int> polly, Action<int> ours)
    {
        if (s_only is not null && !scenario.Contains(s_only, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // Warm-up: long enough for tiered compilation to reach its final code. A count of calls was not: tier-1 code comes
        // after 30 calls and then a quiet 100 ms without new tier-0 code, so the half-open row's short rounds were partly
        // timed in tier-0 and instrumented code (that row moved 0.98-1.55 between runs; measured on its thread's CPU time
        // it does not move).
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 30 || warmUp.Elapsed < WarmUp; i++)
        {
            polly(batch / 10);
            ours(batch / 10);
        }

        var ratios = new double[rounds];
        var oursTimes = new double[rounds];
        var pollyTimes = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            double pollyTime, oursTime;
            if (round % 2 == 0)
            {
                pollyTime = Time(polly, batch);
                oursTime = Time(ours, batch);
            }
            else
            {
                oursTime = Time(ours, batch);
                pollyTime = Time(polly, batch);
            }

            ratios[round] = oursTime / pollyTime;
            oursTimes[round] = oursTime * 1e9 / Stopwatch.Frequency / batch;
            pollyTimes[round] = pollyTime * 1e9 / Stopwatch.Frequency / batch;
        }

        Array.Sort(ratios);
        Array.Sort(oursTimes);
        Array.Sort(pollyTimes);
        var oursBytes = Allocated(ours, batch);
        var pollyBytes = Allocated(polly, batch);
        Console.WriteLine($"{scenario,-62} {Quantile(ratios, 0.5),7:F2} {Quantile(ratios, 0.25),6:F2} {Quantile(ratios, 0.75),6:F2} {Quantile(oursTimes, 0.5),8:F1} {Quantile(pollyTimes, 0.5),8:F1} {oursBytes,9:F1} {pollyBytes,10:F1}");
        s_rows.Add(FormattableString.Invariant($"| {scenario} | {Quantile(ratios, 0.5):F2} | {Quantile(ratios, 0.25):F2} | {Quantile(ratios, 0.75):F2} | {Quantile(oursTimes, 0.5):N0} | {Quantile(pollyTimes, 0.5):N0} | {oursBytes:F0} | {pollyBytes:F0} |"));
    }

    private static double Time(Action<int> run, int batch)
    {
        var start = Stopwatch.GetTimestamp();
        run(batch);
        return Stopwatch.GetTimestamp() - start;
    }

    private static double Allocated(Action<int> run, int batch)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        run(batch);
        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / batch;
    }

    internal static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
