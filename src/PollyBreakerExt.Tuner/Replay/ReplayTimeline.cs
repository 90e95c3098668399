using Polly.CircuitBreaker;

namespace PollyBreakerExt.Tuner.Replay;

/// <summary>
/// What a replay chart needs: the breaker's transitions, and calls binned over the trace (admitted successes, admitted
/// failures, rejected). A fixed number of bins, so memory does not grow with the trace.
/// </summary>
internal sealed class ReplayTimeline
{
    public const int DefaultBins = 240;

    public ReplayTimeline(long startMs, long endMs, int bins = DefaultBins)
    {
        StartMs = startMs;
        EndMs = Math.Max(endMs, startMs + 1);
        BinMs = Math.Max(1, (EndMs - StartMs + bins - 1) / bins);
        var count = (int)((EndMs - StartMs + BinMs - 1) / BinMs);
        AdmittedSuccesses = new long[count];
        AdmittedFailures = new long[count];
        Rejected = new long[count];
    }

    public long StartMs { get; }

    public long EndMs { get; }

    public long BinMs { get; }

    public List<(long AtMs, CircuitState State)> Transitions { get; } = [];

    public long[] AdmittedSuccesses { get; }

    public long[] AdmittedFailures { get; }

    public long[] Rejected { get; }

    public void Add(long startMs, bool admitted, bool failure)
    {
        var bin = (int)Math.Clamp((startMs - StartMs) / BinMs, 0, Rejected.Length - 1);
        var counts = !admitted ? Rejected : failure ? AdmittedFailures : AdmittedSuccesses;
        counts[bin]++;
    }

    /// <summary>The states as contiguous segments from the trace's start to its end (closed until the first transition).</summary>
    public IEnumerable<(CircuitState State, long FromMs, long ToMs)> Segments()
    {
        var state = CircuitState.Closed;
        var from = StartMs;
        foreach (var (at, next) in Transitions)
        {
            if (at > from)
            {
                yield return (state, from, at);
            }

            (state, from) = (next, Math.Max(from, at));
        }

        if (EndMs > from)
        {
            yield return (state, from, EndMs);
        }
    }
}
