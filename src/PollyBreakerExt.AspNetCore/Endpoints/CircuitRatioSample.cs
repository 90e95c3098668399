namespace PollyBreakerExt;

/// <summary>A breaker's ratios at one moment (<paramref name="T"/> in Unix milliseconds), a point of the page's chart.</summary>
internal readonly record struct CircuitRatioSample(long T, double FailureRatio, double SlowCallRatio);
