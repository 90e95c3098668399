namespace PollyBreakerExt;

/// <summary>
/// A breaker's current stretch away from closed: when it began (a <see cref="TimeProvider"/> timestamp) and why.
/// </summary>
internal sealed record OpenEpisode(long StartTimestamp, CircuitTransitionReason Reason);
