namespace PollyBreakerExt;

/// <summary>
/// One key's breaker in a keyed strategy, with when it was last used (for <c>MaxKeys</c> and <c>KeyIdleTimeout</c>).
/// </summary>
internal sealed class KeyedCircuitBreaker<T>
{
    private long _lastUsed;

    public KeyedCircuitBreaker(string key, CircuitCallExecutor<T> executor, long now)
    {
        Key = key;
        Executor = executor;
        _lastUsed = now;
    }

    public string Key { get; }

    public CircuitCallExecutor<T> Executor { get; }

    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>Marks the breaker used at <paramref name="now"/>; written only when the clock moved, so a busy key's cache line is not bounced between cores on every call.</summary>
    public void Touch(long now)
    {
        if (Volatile.Read(ref _lastUsed) != now)
        {
            Volatile.Write(ref _lastUsed, now);
        }
    }
}
