namespace PollyBreakerExt;

/// <summary>
/// What this replica knows of one breaker key: its local members, whether the fleet holds it open or isolated, and
/// its part in the fleet-wide half-open. Read on callers' threads without waiting; written under <see cref="Lock"/>.
/// </summary>
internal sealed class FleetKeyState
{
    public FleetKeyState(string key) => Key = key;

    public string Key { get; }

    public Lock Lock { get; } = new();

    /// <summary>Gets the breakers of this key in this replica (usually one).</summary>
    public List<CircuitBreakerFleetMember> Members { get; } = [];

    /// <summary>Gets or sets whether the fleet holds the key open: at the break's end a replica needs the lease to probe.</summary>
    public volatile bool FleetOpen;

    /// <summary>Whether its last member left and it was removed from the fleet's map (under <see cref="Lock"/>): nobody joins it again.</summary>
    public bool Forgotten;

    /// <summary>Gets or sets whether the fleet isolated the key (so a later fleet close, or its absence on resync, closes it).</summary>
    public volatile bool FleetIsolated;

    /// <summary>
    /// How many operator commands (isolate, close) on this key are under way here: until one has stored its state in Redis,
    /// a sync's read of Redis may predate it, so the sync must not act on what it read.
    /// </summary>
    public int ManualInFlight;

    /// <summary>Local timestamp until which this replica holds the lease; 0 when it does not.</summary>
    public long LeaseHeldUntil;

    /// <summary>The value this replica's lease has in Redis (its signed token) while it holds it; the prober's result is stored only under it.</summary>
    public string? LeaseToken;

    /// <summary>Local timestamp until which another replica's lease (or the fleet's break) lasts; 0 when unknown.</summary>
    public long WaitUntil;

    /// <summary>Local timestamp at which the lease request in flight was sent; 0 when none is.</summary>
    public long LeaseRequestedAt;

    /// <summary>Local timestamp until which this replica's own trip keeps its breaker open (re-reported on reconnect); 0 when none.</summary>
    public long OwnTripUntil;

    /// <summary>Bumped by every operator's isolate or close, so a resync that read Redis before it does not undo it.</summary>
    public int ManualGeneration;

    /// <summary>
    /// The order (the breaker's version in Redis) of the last state this replica applied, from a message, a read or its own
    /// write; under <see cref="Lock"/>. Anything of a lower or equal order is older and is not applied: a sync whose read
    /// was overtaken by a message, a late message, a replayed one.
    /// </summary>
    public long AppliedOrder;

    /// <summary>Takes <paramref name="order"/> as applied if it is newer than what was; under <see cref="Lock"/>.</summary>
    /// <returns>Whether it was newer.</returns>
    public bool TryAdvance(long order)
    {
        if (order <= AppliedOrder)
        {
            return false;
        }

        AppliedOrder = order;
        return true;
    }

    public CircuitBreakerFleetMember[] SnapshotMembers()
    {
        lock (Lock)
        {
            return [.. Members];
        }
    }
}
