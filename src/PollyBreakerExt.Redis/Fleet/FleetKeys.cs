using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>The Redis keys and the channel of one fleet; every one starts with the options' <c>KeyPrefix:</c>.</summary>
internal sealed class FleetKeys
{
    private readonly string _prefix;

    public FleetKeys(string keyPrefix)
    {
        _prefix = keyPrefix + ":";
        Channel = RedisChannel.Literal(_prefix + "events");
    }

    /// <summary>Gets the one channel every transition of the fleet travels on.</summary>
    public RedisChannel Channel { get; }

    /// <summary>The breaker's open state, with an expiry of the break that remains.</summary>
    public RedisKey Open(string breakerKey) => _prefix + "open:" + breakerKey;

    /// <summary>The breaker's fleet-wide isolation, persisted until closed.</summary>
    public RedisKey Isolated(string breakerKey) => _prefix + "isolated:" + breakerKey;

    /// <summary>
    /// Whether the fleet holds the breaker open, in its break or its half-open: set when the fleet opens, removed when its
    /// prober closes it (or an operator does). No expiry: a half-open lasts until a prober's probes succeed.
    /// </summary>
    public RedisKey Tripped(string breakerKey) => _prefix + "tripped:" + breakerKey;

    /// <summary>The one half-open lease of the breaker, with an expiry of the probe lease.</summary>
    public RedisKey Lease(string breakerKey) => _prefix + "lease:" + breakerKey;

    /// <summary>When each replica last reported a trip (a sorted set scored by Redis' clock).</summary>
    public RedisKey Trips(string breakerKey) => _prefix + "trips:" + breakerKey;

    /// <summary>
    /// The breaker's version: moved by every script that changes its state to the order signed into that state's payload,
    /// always upward (see <see cref="FleetScripts"/>). No expiry: an order is never given twice.
    /// </summary>
    public RedisKey Version(string breakerKey) => _prefix + "version:" + breakerKey;

    /// <summary>Each replica's signed vote for its last trip (a hash by replica).</summary>
    public RedisKey Votes(string breakerKey) => _prefix + "votes:" + breakerKey;
}
