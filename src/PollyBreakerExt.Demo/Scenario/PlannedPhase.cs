using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>One phase of the scripted scenario, in wall-clock time from its start.</summary>
public sealed record PlannedPhase(UpstreamPhase Phase, TimeSpan Start, TimeSpan End)
{
    /// <summary>Each phase's share of the scenario: healthy 20 %, slow 25 %, failing 25 %, recovered 30 %.</summary>
    public static IReadOnlyList<PlannedPhase> Plan(TimeSpan wallDuration)
    {
        (UpstreamPhase Phase, double Share)[] shares =
        [
            (UpstreamPhase.Healthy, 0.20),
            (UpstreamPhase.Slow, 0.25),
            (UpstreamPhase.Failing, 0.25),
            (UpstreamPhase.Recovered, 0.30),
        ];

        var phases = new List<PlannedPhase>();
        var start = TimeSpan.Zero;
        foreach (var (phase, share) in shares)
        {
            var end = phase == UpstreamPhase.Recovered ? wallDuration : start + (wallDuration * share);
            phases.Add(new(phase, start, end));
            start = end;
        }

        return phases;
    }
}
