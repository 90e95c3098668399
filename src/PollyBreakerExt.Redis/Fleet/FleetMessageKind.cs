namespace PollyBreakerExt;

/// <summary>What a fleet message or stored state says.</summary>
internal enum FleetMessageKind
{
    /// <summary>A replica's vote that it tripped (stored in the quorum's hash, never published).</summary>
    Vote,

    /// <summary>The fleet opened a breaker for <see cref="FleetMessage.BreakMilliseconds"/>.</summary>
    Open,

    /// <summary>The prober's probes succeeded: every replica closes (reason Fleet).</summary>
    Closed,

    /// <summary>An operator isolated the breaker fleet-wide.</summary>
    Isolate,

    /// <summary>An operator closed the breaker fleet-wide.</summary>
    Close,

    /// <summary>
    /// The half-open lease a replica holds, for <see cref="FleetMessage.BreakMilliseconds"/> from its timestamp (stored
    /// as the lease's value, never published): signed, so a lease written by hand is no replica's.
    /// </summary>
    Lease,
}
