namespace PollyBreakerExt;

/// <summary>
/// Why the circuit changed state.
/// </summary>
public enum CircuitTransitionReason
{
    /// <summary>The failures in the window reached <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.FailureThreshold"/>.</summary>
    FailureThreshold,

    /// <summary>The failure ratio of the window reached <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.FailureRatio"/>.</summary>
    FailureRatio,

    /// <summary>The slow-call ratio of the window reached <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.SlowCallRatio"/>.</summary>
    SlowCallRatio,

    /// <summary>A half-open probe failed.</summary>
    HalfOpenProbeFailed,

    /// <summary>A half-open probe succeeded but was slow.</summary>
    HalfOpenProbeSlow,

    /// <summary>The break elapsed and a call arrived, which runs as a half-open probe.</summary>
    BreakDurationElapsed,

    /// <summary>Enough half-open probes succeeded.</summary>
    HalfOpenSucceeded,

    /// <summary>The circuit was isolated or closed through <see cref="SlowCallCircuitBreakerManualControl"/>.</summary>
    Manual,

    /// <summary>The breaker's fleet moved it: another replica tripped, or the fleet's probes succeeded.</summary>
    Fleet,
}
