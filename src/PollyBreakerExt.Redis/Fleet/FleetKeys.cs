using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>
/// The Redis keys and channels of one fleet; every one starts with the options' <c>KeyPrefix:</c>, and every key and
/// sharded channel of one breaker carries the same hash tag (<c>{…}</c>), so a Redis Cluster keeps them in one slot and
/// the fleet's scripts, which touch several of them at once, run there.
/// </summary>
internal sealed class FleetKeys
{
    private readonly string _prefix;

    public FleetKeys(string keyPrefix)
    {
        _prefix = keyPrefix + ":";
        Channel = RedisChannel.Literal(_prefix + "events");
    }

    /// <summary>Gets the one classic channel every transition travels on when the server has no sharded pub/sub (before Redis 7).</summary>
    public RedisChannel Channel { get; }

    /// <summary>
    /// The breaker key's hash tag: the key itself in braces, or, when it holds a brace (which would end or split the tag),
    /// <c>#</c> and the hex of its SHA-256.
    /// </summary>
    public static string Tag(string breakerKey)
        => breakerKey.AsSpan().IndexOfAny('{', '}') < 0
            ? "{" + breakerKey + "}"
            : "{#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(breakerKey))) + "}";

    /// <summary>The breaker's own sharded channel (Redis 7 and later), in its keys' slot.</summary>
    public RedisChannel ShardedChannel(string breakerKey) => RedisChannel.Sharded(_prefix + "events:" + Tag(breakerKey));

    /// <summary>The breaker's open state, with an expiry of the break that remains.</summary>
    public RedisKey Open(string breakerKey) => _prefix + "open:" + Tag(breakerKey);

    /// <summary>The breaker's fleet-wide isolation, persisted until closed.</summary>
    public RedisKey Isolated(string breakerKey) => _prefix + "isolated:" + Tag(breakerKey);

    /// <summary>
    /// Whether the fleet holds the breaker open, in its break or its half-open: set when the fleet opens, removed when its
    /// prober closes it (or an operator does). No expiry: a half-open lasts until a prober's probes succeed.
    /// </summary>
    public RedisKey Tripped(string breakerKey) => _prefix + "tripped:" + Tag(breakerKey);

    /// <summary>The one half-open lease of the breaker, with an expiry of the probe lease.</summary>
    public RedisKey Lease(string breakerKey) => _prefix + "lease:" + Tag(breakerKey);

    /// <summary>When each replica last reported a trip (a sorted set scored by Redis' clock).</summary>
    public RedisKey Trips(string breakerKey) => _prefix + "trips:" + Tag(breakerKey);

    /// <summary>
    /// The breaker's version: moved by every script that changes its state to the order signed into that state's payload,
    /// always upward (see <see cref="FleetScripts"/>). No expiry: an order is never given twice.
    /// </summary>
    public RedisKey Version(string breakerKey) => _prefix + "version:" + Tag(breakerKey);

    /// <summary>Each replica's signed vote for its last trip (a hash by replica).</summary>
    public RedisKey Votes(string breakerKey) => _prefix + "votes:" + Tag(breakerKey);
}
