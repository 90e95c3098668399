using System.Globalization;
using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.Scenario;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>Says why the breaker changed state, in words.</summary>
public static class TransitionText
{
    public static string State(CircuitState state) => state switch
    {
        CircuitState.HalfOpen => "half-open",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static string Reason(BreakerTransition transition)
    {
        var metrics = transition.Metrics;
        var reason = transition.Reason switch
        {
            CircuitTransitionReason.SlowCallRatio when metrics is { } m =>
                Invariant($"slow-call ratio {m.SlowCallRatio:0%} ({m.SlowCalls} of {m.Calls} calls in the window were slow) reached 50%"),
            CircuitTransitionReason.FailureRatio when metrics is { } m =>
                Invariant($"failure ratio {m.FailureRatio:0%} ({m.Failures} of {m.Calls} calls in the window failed) reached 50%"),
            CircuitTransitionReason.SlowCallRatio => "slow-call ratio reached 50%",
            CircuitTransitionReason.FailureRatio => "failure ratio reached 50%",
            CircuitTransitionReason.FailureThreshold => "failure count reached the threshold",
            CircuitTransitionReason.HalfOpenProbeFailed => "a half-open probe failed",
            CircuitTransitionReason.HalfOpenProbeSlow => "a half-open probe was slow",
            CircuitTransitionReason.BreakDurationElapsed => "break elapsed: letting probes through",
            CircuitTransitionReason.HalfOpenSucceeded => "the probes succeeded, fast",
            CircuitTransitionReason.Manual => "closed or isolated by hand",
            _ => transition.Reason.ToString(),
        };

        return transition.BreakDuration is { } breakDuration ? Invariant($"{reason}; open for {breakDuration.TotalSeconds:0.0#} s") : reason;
    }

    /// <summary>One line: time, from → to, reason name and explanation.</summary>
    public static string Line(BreakerTransition transition)
        => Invariant($"t={transition.At.TotalSeconds,6:0.00}s  {State(transition.From)} -> {State(transition.To)}  [{transition.Reason}] {Reason(transition)}");

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
