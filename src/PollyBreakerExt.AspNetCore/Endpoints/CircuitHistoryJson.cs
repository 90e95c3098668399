namespace PollyBreakerExt;

/// <summary>The stream's first event: each breaker's ratio samples of the last five minutes, oldest first.</summary>
internal sealed record CircuitHistoryJson(DateTimeOffset Now, IReadOnlyDictionary<string, CircuitRatioSample[]> Samples);
