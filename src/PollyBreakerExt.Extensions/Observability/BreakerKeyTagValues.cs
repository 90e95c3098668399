using System.Collections.Concurrent;
using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace PollyBreakerExt;

/// <summary>
/// The <c>breaker_key</c> tag's values, per breaker: its first <see cref="MaxBreakerKeyTagValues"/> distinct keys as
/// themselves, every later one as <see cref="OtherBreakerKey"/>, so a breaker keyed by tenant cannot flood the metrics
/// backend with series.
/// </summary>
internal sealed class BreakerKeyTagValues
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysByBreaker = new(StringComparer.Ordinal);

    public string Of(string breaker, string key)
    {
        var keys = _keysByBreaker.GetOrAdd(breaker, static _ => new(StringComparer.Ordinal));
        if (keys.ContainsKey(key))
        {
            return key;
        }

        lock (keys)
        {
            if (keys.Count < MaxBreakerKeyTagValues)
            {
                keys.TryAdd(key, 0);
                return key;
            }
        }

        return OtherBreakerKey;
    }
}
