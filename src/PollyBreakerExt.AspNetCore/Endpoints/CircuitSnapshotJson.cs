namespace PollyBreakerExt;

/// <summary>The stream's snapshot event: every breaker, and the server's clock so a page can tell time open without trusting its own.</summary>
internal sealed record CircuitSnapshotJson(DateTimeOffset Now, IReadOnlyList<SlowCallCircuitBreakerStatus> Breakers);
