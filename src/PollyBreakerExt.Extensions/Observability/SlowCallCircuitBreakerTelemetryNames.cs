using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Every name the extensions' metrics and logs publish: meter, instruments, units, tags and tag values, in one place.
/// </summary>
/// <remarks>
/// Instrument and tag names follow OpenTelemetry's conventions: dotted, lower case, <c>snake_case</c> within a segment,
/// units in UCUM (<c>s</c>, <c>1</c>, <c>{call}</c>). The pipeline tags are Polly's own, so that this meter and
/// Polly's <c>resilience.polly.strategy.events</c> join on the same labels.
/// </remarks>
internal static class SlowCallCircuitBreakerTelemetryNames
{
    /// <summary>Polly's meter (<c>Polly.Extensions</c>), whose counter <see cref="PollyStrategyEvents"/> counts every telemetry event.</summary>
    public const string PollyMeterName = "Polly";

    public const string PollyStrategyEvents = "resilience.polly.strategy.events";

    /// <summary>This library's meter.</summary>
    public const string MeterName = "PollyBreakerExt";

    /// <summary>The category of the transition logs.</summary>
    public const string LoggerCategory = "PollyBreakerExt.SlowCallCircuitBreaker";

    public const string State = "resilience.circuit_breaker.state";

    public const string FailureRatio = "resilience.circuit_breaker.failure_ratio";

    public const string SlowCallRatio = "resilience.circuit_breaker.slow_call_ratio";

    public const string WindowCalls = "resilience.circuit_breaker.window.calls";

    public const string Transitions = "resilience.circuit_breaker.transitions";

    public const string RejectedCalls = "resilience.circuit_breaker.rejected_calls";

    public const string OpenDuration = "resilience.circuit_breaker.open.duration";

    public const string UnitRatio = "1";

    public const string UnitSeconds = "s";

    public const string UnitCalls = "{call}";

    public const string UnitTransitions = "{transition}";

    // Polly's tags (Polly.Telemetry.ResilienceTelemetryTags), so that dashboards join this meter with Polly's.
    public const string PipelineNameTag = "pipeline.name";

    public const string PipelineInstanceTag = "pipeline.instance";

    public const string StrategyNameTag = "strategy.name";

    public const string PreviousStateTag = "circuit_breaker.previous_state";

    public const string StateTag = "circuit_breaker.state";

    public const string ReasonTag = "circuit_breaker.reason";

    /// <summary>The key of a keyed breaker (DESIGN W10), its cardinality capped by <see cref="MaxBreakerKeyTagValues"/>.</summary>
    public const string BreakerKeyTag = "breaker_key";

    /// <summary>How many distinct keys of one breaker are tagged as themselves; later ones are tagged <see cref="OtherBreakerKey"/>.</summary>
    public const int MaxBreakerKeyTagValues = 100;

    public const string OtherBreakerKey = "other";

    /// <summary>The state gauge's value: closed 0, half-open 0.5, open and isolated 1, as the reference breaker's dashboard has it (docs/design.md).</summary>
    public static double GaugeValue(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 0.5,
        _ => 1,
    };

    public static string TagValue(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Isolated => "isolated",
        _ => "unknown",
    };

    public static string TagValue(CircuitTransitionReason reason) => reason switch
    {
        CircuitTransitionReason.FailureThreshold => "failure_threshold",
        CircuitTransitionReason.FailureRatio => "failure_ratio",
        CircuitTransitionReason.SlowCallRatio => "slow_call_ratio",
        CircuitTransitionReason.HalfOpenProbeFailed => "half_open_probe_failed",
        CircuitTransitionReason.HalfOpenProbeSlow => "half_open_probe_slow",
        CircuitTransitionReason.BreakDurationElapsed => "break_duration_elapsed",
        CircuitTransitionReason.HalfOpenSucceeded => "half_open_succeeded",
        CircuitTransitionReason.Manual => "manual",
        CircuitTransitionReason.Fleet => "fleet",
        _ => "unknown",
    };
}
