using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>The summary table's row for one phase (or the total when <see cref="Phase"/> is null).</summary>
public sealed record PhaseSummary(
    UpstreamPhase? Phase,
    int Calls,
    int Ok,
    int Failed,
    int Slow,
    int Rejected,
    int FromCache,
    int Unavailable,
    TimeSpan P50,
    TimeSpan P99)
{
    public static PhaseSummary Of(UpstreamPhase? phase, IReadOnlyCollection<CallSample> calls)
    {
        var latencies = calls.Select(call => call.Latency).Order().ToArray();
        return new(
            phase,
            calls.Count,
            calls.Count(call => call.Outcome == CallOutcome.Ok),
            calls.Count(call => call.Outcome == CallOutcome.Failed),
            calls.Count(call => call.Slow),
            calls.Count(call => call.Rejected),
            calls.Count(call => call.Outcome == CallOutcome.FromCache),
            calls.Count(call => call.Outcome == CallOutcome.Unavailable),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static TimeSpan Percentile(TimeSpan[] sorted, double p)
        => sorted.Length == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
