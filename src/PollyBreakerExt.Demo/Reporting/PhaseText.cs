using PollyBreakerExt.Demo.Upstream;
using static PollyBreakerExt.Demo.Reporting.TransitionText;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>Says what the upstream does in a phase.</summary>
public static class PhaseText
{
    public static string Name(UpstreamPhase phase) => phase.ToString().ToLowerInvariant();

    public static string Describe(UpstreamPhase phase, DemoTimings timings) => phase switch
    {
        UpstreamPhase.Slow => Invariant(
            $"upstream answers in {Ms(timings.SlowLatencyMin)}-{Ms(timings.SlowLatencyMax)} ms (slow from {Ms(timings.SlowCallThreshold)} ms)"),
        UpstreamPhase.Failing => "upstream answers 500/503 or drops the connection",
        UpstreamPhase.Recovered => Invariant($"upstream recovered: its first {UpstreamBehavior.ColdRequests} answers take {Ms(timings.ColdLatencyMin)}-{Ms(timings.ColdLatencyMax)} ms (cold), then {Ms(timings.HealthyLatencyMin)}-{Ms(timings.HealthyLatencyMax)} ms"),
        _ => Invariant($"upstream answers in {Ms(timings.HealthyLatencyMin)}-{Ms(timings.HealthyLatencyMax)} ms"),
    };

    public static string Breaker(DemoTimings timings) => Invariant(
        $"breaker: opens when >= 50% of the calls in the last {timings.SamplingDuration.TotalSeconds:0.##} s (10 at least) failed or took >= {Ms(timings.SlowCallThreshold)} ms; open {timings.BreakDuration.TotalSeconds:0.##} s; closes after 2 fast probes, then lets traffic back in over {timings.RecoveryRampUp.TotalSeconds:0.##} s; retries (2, inside the breaker) count as one call");

    private static string Ms(TimeSpan duration) => Invariant($"{duration.TotalMilliseconds:0}");
}
