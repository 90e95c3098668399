using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Sweep;

/// <summary>Replays every candidate over the same trace, one candidate per core at a time, each with its own breaker and clock.</summary>
internal static class SweepRunner
{
    /// <summary>Returns one result per candidate, in the candidates' order.</summary>
    /// <param name="trace">The trace; every worker opens its own cursor on it.</param>
    /// <param name="candidates">The candidates.</param>
    /// <param name="parallelism">How many candidates replay at once; at most the number of candidates.</param>
    /// <param name="completed">Called (from any worker) after each candidate.</param>
    public static ReplayResult[] Run(SortedTrace trace, IReadOnlyList<CandidateOptions> candidates, int parallelism, Action? completed = null)
    {
        var results = new ReplayResult[candidates.Count];
        Parallel.For(
            0,
            candidates.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) },
            index =>
            {
                results[index] = TraceReplayer.Run(trace, candidates[index]);
                completed?.Invoke();
            });
        return results;
    }

    /// <summary>Candidate indexes best first: fewest admitted failures plus rejected successes, then fewest opens, then grid order.</summary>
    public static int[] Rank(IReadOnlyList<ReplayResult> results)
        => [.. Enumerable.Range(0, results.Count).OrderBy(i => results[i].Cost).ThenBy(i => results[i].Opens).ThenBy(i => i)];

    /// <summary>
    /// Indexes of the candidates no other beats on both admitted failures and rejected successes (ties kept once, the
    /// first in grid order), sorted by admitted failures.
    /// </summary>
    public static int[] ParetoFront(IReadOnlyList<ReplayResult> results)
    {
        var front = new List<int>();
        var bestRejected = long.MaxValue;
        foreach (var i in Enumerable.Range(0, results.Count).OrderBy(i => results[i].AdmittedFailures).ThenBy(i => results[i].RejectedSuccesses).ThenBy(i => i))
        {
            if (results[i].RejectedSuccesses < bestRejected)
            {
                front.Add(i);
                bestRejected = results[i].RejectedSuccesses;
            }
        }

        return [.. front];
    }
}
