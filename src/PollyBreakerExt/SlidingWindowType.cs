namespace PollyBreakerExt;

/// <summary>
/// How the breaker's sliding window decides which recorded calls it still holds.
/// </summary>
public enum SlidingWindowType
{
    /// <summary>
    /// The calls that completed within the last <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.SamplingDuration"/>.
    /// </summary>
    TimeBased,

    /// <summary>
    /// The last <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.SlidingWindowSize"/> recorded calls.
    /// </summary>
    CountBased,
}
