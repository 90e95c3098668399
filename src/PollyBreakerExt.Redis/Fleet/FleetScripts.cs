namespace PollyBreakerExt;

/// <summary>
/// The fleet's Lua scripts: each is one atomic step, and the only clock they read is Redis' own (<c>TIME</c>, <c>PX</c>).
/// </summary>
/// <remarks>
/// Every script that changes a breaker's state moves its version (the <c>version</c> key) to the order the replica signed
/// into the payload, and refuses (<c>{ -3, current }</c>) an order not above the current one: the replica signs again
/// above it. So Redis orders every state and message, and a stored payload is the current state only while its order
/// equals the version (an older one copied back into Redis is not).
/// </remarks>
internal static class FleetScripts
{
    /// <summary>
    /// The breaker's version as every script reads it (a Lua function <c>current(key)</c>, followed by a new line). Orders
    /// are a replica's reading of Redis' clock in microseconds, or one above the last: a value that is not a whole number
    /// between 0 and a day past that clock was set by hand, and is read as 0, so the next state change writes over it
    /// (#20). Left as it was, a version past 2^53 would refuse every change for good: Lua's numbers cannot tell an order
    /// there from the next one.
    /// </summary>
    private const string CurrentVersion = """
        local function current(key)
          local v = tonumber(redis.call('GET', key) or '0')
          local t = redis.call('TIME')
          if not v or v < 0 or v ~= math.floor(v) or v > (tonumber(t[1]) + 86400) * 1000000 then return 0 end
          return v
        end

        """;

    /// <summary>
    /// Records a replica's trip and returns Redis' time followed by the votes of every replica that tripped within the
    /// window. KEYS: trips, votes. ARGV: replica, vote, window ms.
    /// </summary>
    public const string Trip = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[3])
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if #old > 0 then
          redis.call('ZREM', KEYS[1], unpack(old))
          redis.call('HDEL', KEYS[2], unpack(old))
        end
        redis.call('PEXPIRE', KEYS[1], window)
        redis.call('PEXPIRE', KEYS[2], window)
        local replicas = redis.call('ZRANGE', KEYS[1], 0, -1)
        local result = { tostring(now) }
        for i, replica in ipairs(replicas) do
          result[#result + 1] = redis.call('HGET', KEYS[2], replica) or ''
        end
        return result
        """;

    /// <summary>
    /// Opens the fleet unless it is open or isolated already: { -1 } when this call opened it (and published); { -3, version }
    /// when the order is not above the version; { -4, stored isolation, version } when the key is isolated (a trip does not
    /// undo an isolation); else { PTTL, stored open payload, Redis' time in ms, version }. With ARGV[4] = 1 the replica found
    /// the stored value ARGV[6] forged or outdated: it is overwritten if it is still what is stored. KEYS: open, tripped,
    /// isolated, version. ARGV: payload, break ms, channel, force, order, judged value.
    /// </summary>
    public const string Open = CurrentVersion + """
        local version = current(KEYS[4])
        local isolated = redis.call('GET', KEYS[3])
        if isolated then
          if ARGV[4] ~= '1' or isolated ~= ARGV[6] then return { -4, isolated, version } end
          redis.call('DEL', KEYS[3])
        end
        local pttl = redis.call('PTTL', KEYS[1])
        if pttl > 0 and (ARGV[4] ~= '1' or redis.call('GET', KEYS[1]) ~= ARGV[6]) then
          local t = redis.call('TIME')
          return { pttl, redis.call('GET', KEYS[1]) or '', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), version }
        end
        if tonumber(ARGV[5]) <= version then return { -3, version } end
        redis.call('SET', KEYS[4], ARGV[5])
        redis.call('SET', KEYS[2], '1')
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('PUBLISH', ARGV[3], ARGV[1])
        return { -1 }
        """;

    /// <summary>
    /// Takes the half-open lease once the fleet's break is over: { -1 } when this replica now holds it (its token ARGV[1]
    /// stored, signed like a message and ending at ProbeLease); { -2 } when the fleet is not open at all (closed meanwhile:
    /// the replica probes alone); { -5, lease left, stored token, Redis' time in ms } when a lease is held, which the
    /// replica checks (signed, this key's, within its signed end; its own one) before it waits, and asks again with ARGV[4]
    /// = that token (any value, even empty) when it does not believe it: removed if it is still what is stored. While the break lasts { PTTL,
    /// stored open payload, Redis' time in ms, version }, which the replica checks (signed, current) before it believes
    /// the PTTL, and asks again with ARGV[3] = 1 (the stored break ignored) when it does not. A lease without an expiry, or
    /// one longer than the probe lease, is no replica's lease (someone set it by hand): it is removed. KEYS: lease, open,
    /// tripped, version. ARGV: token, lease ms, force, [judged token].
    /// </summary>
    public const string Lease = CurrentVersion + """
        if ARGV[3] ~= '1' then
          local open = redis.call('PTTL', KEYS[2])
          if open > 0 then
            local t = redis.call('TIME')
            return { open, redis.call('GET', KEYS[2]) or '', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), current(KEYS[4]) }
          end
        end
        if not redis.call('GET', KEYS[3]) then return { -2 } end
        local left = redis.call('PTTL', KEYS[1])
        if left == -1 or left > tonumber(ARGV[2]) or (#ARGV >= 4 and redis.call('GET', KEYS[1]) == ARGV[4]) then redis.call('DEL', KEYS[1]) end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return { -1 } end
        left = redis.call('PTTL', KEYS[1])
        if left < 1 then return { 1 } end
        local t = redis.call('TIME')
        return { -5, left, redis.call('GET', KEYS[1]) or '', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) }
        """;

    /// <summary>
    /// The prober's probe failed: if it still holds the lease of a fleet still tripped, the fleet reopens for the new break
    /// ({ 1 }), else nothing ({ 0 }): a lease alone, on a fleet a prober closed, is no licence to open it. { -3, version }
    /// when the order is not above the version. KEYS: lease, open, tripped, version. ARGV: lease token, payload, break ms,
    /// channel, order.
    /// </summary>
    public const string Reopen = CurrentVersion + """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] or not redis.call('GET', KEYS[3]) then return { 0 } end
        local version = current(KEYS[4])
        if tonumber(ARGV[5]) <= version then return { -3, version } end
        redis.call('SET', KEYS[4], ARGV[5])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[4], ARGV[2])
        return { 1 }
        """;

    /// <summary>
    /// The prober's probes succeeded: if it still holds the lease, the fleet closes ({ 1 }), else nothing ({ 0 });
    /// { -3, version } when the order is not above the version. KEYS: lease, open, trips, votes, tripped, version.
    /// ARGV: lease token, payload, channel, order.
    /// </summary>
    public const string Closed = CurrentVersion + """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 0 } end
        local version = current(KEYS[6])
        if tonumber(ARGV[4]) <= version then return { -3, version } end
        redis.call('SET', KEYS[6], ARGV[4])
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
        redis.call('PUBLISH', ARGV[3], ARGV[2])
        return { 1 }
        """;

    /// <summary>
    /// An operator's isolation: persisted (over the open break and lease, which it ends) and published ({ 1 }); { -3,
    /// version } when the order is not above the version. KEYS: isolated, open, lease, version. ARGV: payload, channel, order.
    /// </summary>
    public const string Isolate = CurrentVersion + """
        local version = current(KEYS[4])
        if tonumber(ARGV[3]) <= version then return { -3, version } end
        redis.call('SET', KEYS[4], ARGV[3])
        redis.call('DEL', KEYS[2], KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return { 1 }
        """;

    /// <summary>
    /// An operator's close: every state of the breaker removed, and published ({ 1 }); { -3, version } when the order is
    /// not above the version. KEYS: isolated, open, lease, trips, votes, tripped, version. ARGV: payload, channel, order.
    /// </summary>
    public const string Close = CurrentVersion + """
        local version = current(KEYS[7])
        if tonumber(ARGV[3]) <= version then return { -3, version } end
        redis.call('SET', KEYS[7], ARGV[3])
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return { 1 }
        """;

    /// <summary>
    /// What a joining or reconnecting replica reads: isolated payload, open payload, open PTTL, Redis' time in ms, whether
    /// the fleet is tripped (1) or not (0), and the breaker's version. KEYS: isolated, open, tripped, version.
    /// </summary>
    public const string Read = CurrentVersion + """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local version = current(KEYS[4])
        return { redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '', redis.call('PTTL', KEYS[2]), tostring(now), redis.call('GET', KEYS[3]) and 1 or 0, version }
        """;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ShardedScripts = new(StringComparer.Ordinal);

    /// <summary>
    /// The script as it publishes on a server with sharded pub/sub (<c>SPUBLISH</c> on the breaker's own channel, in its
    /// keys' slot) or without (<c>PUBLISH</c> on the fleet's one channel).
    /// </summary>
    public static string Publishing(string script, bool sharded)
        => sharded ? ShardedScripts.GetOrAdd(script, static script => script.Replace("'PUBLISH'", "'SPUBLISH'", StringComparison.Ordinal)) : script;
}
