namespace PollyBreakerExt;

/// <summary>
/// Remembers the nonces of the messages accepted within the freshness window, so a replayed message is ignored; one
/// older than the window is stale whatever its nonce.
/// </summary>
/// <remarks>
/// Nonces are forgotten from the head of a queue in the order they were accepted, once their message would be stale
/// anyway, so each message costs O(1); a hard cap bounds memory under a flood of fresh (say, unsigned) messages, at the
/// price of forgetting the oldest early.
/// </remarks>
internal sealed class ReplayGuard
{
    /// <summary>How far a message's timestamp may lie from Redis' clock (as this replica reads it), either way.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(60);

    /// <summary>The most nonces remembered by default; far above what a real fleet sends in two minutes.</summary>
    public const int DefaultCapacity = 65_536;

    private readonly int _capacity;
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Nonce, long StaleAfter)> _order = new();

    public ReplayGuard(int capacity = DefaultCapacity) => _capacity = capacity;

    /// <summary>Gets how many nonces are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_seen)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="message"/> is fresh and new; if so it is remembered.</summary>
    public bool TryAccept(FleetMessage message, long redisNow, out string? problem)
    {
        var freshness = (long)Freshness.TotalMilliseconds;
        if (Math.Abs(redisNow - message.Timestamp) > freshness)
        {
            problem = "stale";
            return false;
        }

        lock (_seen)
        {
            // The queue is in acceptance order, not quite timestamp order: an entry waits at most one window behind the head.
            while (_order.TryPeek(out var head) && (head.StaleAfter < redisNow || _order.Count >= _capacity))
            {
                Forget(_order.Dequeue());
            }

            var nonce = message.Replica + "/" + message.Nonce;
            var staleAfter = message.Timestamp + freshness;
            if (!_seen.TryAdd(nonce, staleAfter))
            {
                problem = "replayed";
                return false;
            }

            _order.Enqueue((nonce, staleAfter));
        }

        problem = null;
        return true;
    }

    private void Forget((string Nonce, long StaleAfter) entry)
    {
        // Only the entry this queue slot added: the nonce may have been forgotten early (cap) and accepted again since.
        if (_seen.TryGetValue(entry.Nonce, out var staleAfter) && staleAfter == entry.StaleAfter)
        {
            _seen.Remove(entry.Nonce);
        }
    }
}
