namespace PollyBreakerExt.Demo.Upstream;

/// <summary>How the upstream product service behaves.</summary>
public enum UpstreamPhase
{
    /// <summary>Fast answers.</summary>
    Healthy,

    /// <summary>Correct answers, well above the slow-call threshold.</summary>
    Slow,

    /// <summary>5xx answers and refused work (connections dropped without an answer).</summary>
    Failing,

    /// <summary>Fast answers again.</summary>
    Recovered,
}
