namespace PollyBreakerExt;

/// <summary>
/// Remembers the nonces of the messages accepted within the freshness window, so a replayed message is ignored; one
/// older than the window is stale whatever its nonce.
/// </summary>
internal sealed class ReplayGuard
{
    /// <summary>How far a message's timestamp may lie from Redis' clock (as this replica reads it), either way.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);

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
            if (_seen.Count > 1024)
            {
                foreach (var (nonce, at) in _seen)
                {
                    if (redisNow - at > freshness)
                    {
                        _seen.Remove(nonce);
                    }
                }
            }

            if (!_seen.TryAdd(message.Replica + "/" + message.Nonce, message.Timestamp))
            {
                problem = "replayed";
                return false;
            }
        }

        problem = null;
        return true;
    }
}
