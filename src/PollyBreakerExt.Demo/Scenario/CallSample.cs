using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>One client call: when it was sent, in which phase, how long it took and what came back.</summary>
public readonly record struct CallSample(TimeSpan SentAt, UpstreamPhase Phase, TimeSpan Latency, CallOutcome Outcome, bool Slow)
{
    public TimeSpan CompletedAt => SentAt + Latency;

    public bool Rejected => Outcome is CallOutcome.FromCache or CallOutcome.Unavailable;
}
