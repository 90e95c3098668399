using System.Diagnostics;
using Polly;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// Calls per second on one shared breaker from 1, 2 and all cores' threads at once, ours against Polly's breaker by
/// interleaved rounds: each round times the same batch of closed-path successes through both, back to back, alternating
/// which goes first. Run: <c>-- --contention [--rounds N] [--write FILE]</c>.
/// </summary>
internal static class InterleavedContention
{
    private const int Batch = 1 << 17;

    public static int Run(string[] args)
    {
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(41);
        var write = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault();
        var rows = new List<string>();
        Console.WriteLine($"Contention, {rounds} interleaved rounds of {Batch:N0} closed-path successes on one shared breaker, default options;");
        Console.WriteLine("ratio = our calls per second / Polly's (higher is better).");
        Console.WriteLine($"{"threads",7} {"median",7} {"q1",6} {"q3",6} {"ours calls/s",14} {"Polly calls/s",14}");

        foreach (var threads in new[] { 1, 2, Environment.ProcessorCount }.Distinct().Order())
        {
            using var callers = new ParallelCallers(threads);
            var polly = Pipelines.Polly(new());
            var ours = Pipelines.Ours(new());
            var warmUp = Stopwatch.StartNew();
            for (var i = 0; i < 10 || warmUp.Elapsed < InterleavedComparison.WarmUp; i++) // see InterleavedComparison.Compare
            {
                callers.Run(polly, Batch / 4);
                callers.Run(ours, Batch / 4);
            }

            var ratios = new double[rounds];
            var oursRates = new double[rounds];
            var pollyRates = new double[rounds];
            for (var round = 0; round < rounds; round++)
            {
                double pollyTime, oursTime;
                if (round % 2 == 0)
                {
                    pollyTime = Time(callers, polly);
                    oursTime = Time(callers, ours);
                }
                else
                {
                    oursTime = Time(callers, ours);
                    pollyTime = Time(callers, polly);
                }

                ratios[round] = pollyTime / oursTime;
                oursRates[round] = Batch * (double)Stopwatch.Frequency / oursTime;
                pollyRates[round] = Batch * (double)Stopwatch.Frequency / pollyTime;
            }

            Array.Sort(ratios);
            Array.Sort(oursRates);
            Array.Sort(pollyRates);
            var (median, q1, q3) = (InterleavedComparison.Quantile(ratios, 0.5), InterleavedComparison.Quantile(ratios, 0.25), InterleavedComparison.Quantile(ratios, 0.75));
            var (oursRate, pollyRate) = (InterleavedComparison.Quantile(oursRates, 0.5), InterleavedComparison.Quantile(pollyRates, 0.5));
            Console.WriteLine($"{threads,7} {median,7:F2} {q1,6:F2} {q3,6:F2} {oursRate,14:N0} {pollyRate,14:N0}");
            rows.Add(FormattableString.Invariant($"| {threads} | {median:F2} | {q1:F2} | {q3:F2} | {oursRate:N0} | {pollyRate:N0} |"));
        }

        if (write is not null)
        {
            ResultsTable.Write(
                write,
                $"Calls per second on one shared breaker, closed-path successes, default options ({rounds} interleaved rounds; ratio = our calls per second / Polly's, higher is better; medians).",
                "| threads | ratio | q1 | q3 | ours calls/s | Polly calls/s |",
                rows);
        }

        return 0;
    }

    private static double Time(ParallelCallers callers, ResiliencePipeline<int> pipeline)
    {
        var start = Stopwatch.GetTimestamp();
        callers.Run(pipeline, Batch);
        return Stopwatch.GetTimestamp() - start;
    }
}
