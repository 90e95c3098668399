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

    /// <summary>What the trace does with no breaker at all: every call runs, so every failure gets through and no good call is refused.</summary>
    public static ReplayResult NoBreaker(SortedTrace trace) => new(trace.Count, trace.Count, 0, 0, trace.Failures, 0, 0, null);

    /// <summary>
    /// Whether a candidate does better than no breaker: it gets fewer calls wrong (admitted failures plus rejected
    /// successes) than the trace has failures. One that only ties it refused good calls for nothing, or never opened.
    /// </summary>
    public static bool BeatsNoBreaker(ReplayResult result, ReplayResult noBreaker) => result.Cost < noBreaker.Cost;

    /// <summary>
    /// The rows a sweep prints: the best <paramref name="top"/> candidates in rank order, with the no-breaker baseline
    /// (index -1) in its place among them: after every candidate that beats it, before any that does not (or last, when
    /// all of the top beat it).
    /// </summary>
    public static int[] TopWithNoBreaker(int[] ranking, IReadOnlyList<ReplayResult> results, ReplayResult noBreaker, int top)
    {
        var shown = ranking.Take(top).ToList();
        shown.Insert(shown.Count(i => BeatsNoBreaker(results[i], noBreaker)), -1);
        return [.. shown];
    }

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
