using Polly.CircuitBreaker;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>The breaker as the registry showed it <see cref="At"/> after the start.</summary>
public readonly record struct TimelineSample(TimeSpan At, CircuitState State, CircuitMetrics Metrics, TimeSpan? RetryAfter);
