namespace PollyBreakerExt;

/// <summary>
/// The fleet's Lua scripts: each is one atomic step, and the only clock they read is Redis' own (<c>TIME</c>, <c>PX</c>).
/// </summary>
internal static class FleetScripts
{
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
    /// Opens the fleet unless it is open already (or, with ARGV[4] = 1, whatever is stored: the replica found the stored
    /// break forged): { -1 } when this call opened it (and published), else { PTTL, stored payload }. Either way the fleet
    /// is now tripped. KEYS: open, tripped. ARGV: payload, break ms, channel, force.
    /// </summary>
    public const string Open = """
        redis.call('SET', KEYS[2], '1')
        if ARGV[4] == '1' then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          redis.call('PUBLISH', ARGV[3], ARGV[1])
          return { -1 }
        end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          redis.call('PUBLISH', ARGV[3], ARGV[1])
          return { -1 }
        end
        return { redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1]) or '' }
        """;

    /// <summary>
    /// Takes the half-open lease once the fleet's break is over: -1 when this replica holds it, -2 when the fleet is not
    /// open at all (closed meanwhile: the replica probes alone), else how long to wait (what is left of the break, or of
    /// another replica's lease). KEYS: lease, open, tripped. ARGV: replica, lease ms.
    /// </summary>
    public const string Lease = """
        local open = redis.call('PTTL', KEYS[2])
        if open > 0 then return open end
        if not redis.call('GET', KEYS[3]) then return -2 end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
        if redis.call('GET', KEYS[1]) == ARGV[1] then return -1 end
        local left = redis.call('PTTL', KEYS[1])
        if left < 1 then return 1 end
        return left
        """;

    /// <summary>
    /// The prober's probe failed: if it still holds the lease of a fleet still tripped, the fleet reopens for the new break
    /// (1), else nothing (0): a lease alone, on a fleet a prober closed, is no licence to open it. KEYS: lease, open, tripped.
    /// ARGV: replica, payload, break ms, channel.
    /// </summary>
    public const string Reopen = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] or not redis.call('GET', KEYS[3]) then return 0 end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[4], ARGV[2])
        return 1
        """;

    /// <summary>
    /// The prober's probes succeeded: if it still holds the lease, the fleet closes (1), else nothing (0).
    /// KEYS: lease, open, trips, votes, tripped. ARGV: replica, payload, channel.
    /// </summary>
    public const string Closed = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
        redis.call('PUBLISH', ARGV[3], ARGV[2])
        return 1
        """;

    /// <summary>An operator's isolation: persisted and published. KEYS: isolated. ARGV: payload, channel.</summary>
    public const string Isolate = """
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>An operator's close: every state of the breaker removed, and published. KEYS: isolated, open, lease, trips, votes, tripped. ARGV: payload, channel.</summary>
    public const string Close = """
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>
    /// What a joining or reconnecting replica reads: isolated payload, open payload, open PTTL, Redis' time in ms, and
    /// whether the fleet is tripped (1) or not (0). KEYS: isolated, open, tripped.
    /// </summary>
    public const string Read = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return { redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '', redis.call('PTTL', KEYS[2]), tostring(now), redis.call('GET', KEYS[3]) and 1 or 0 }
        """;
}
