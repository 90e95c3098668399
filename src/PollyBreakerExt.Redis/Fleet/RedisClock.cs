namespace PollyBreakerExt;

/// <summary>
/// This replica's reading of Redis' clock: Redis' <c>TIME</c> taken on (re)connecting, advanced by the local monotonic
/// clock. Replicas compare timestamps only against Redis' clock, never against each other's wall clocks.
/// </summary>
internal sealed class RedisClock
{
    private readonly TimeProvider _timeProvider;
    private long _redisMilliseconds;
    private long _localTimestamp;

    public RedisClock(TimeProvider timeProvider) => _timeProvider = timeProvider;

    /// <summary>Gets whether Redis' time has been read at least once.</summary>
    public bool IsSynchronized => Volatile.Read(ref _localTimestamp) != 0;

    /// <summary>Notes Redis' time, read between <paramref name="sentAt"/> and now (local timestamps): the middle is the best guess.</summary>
    public void Synchronize(long redisMilliseconds, long sentAt)
    {
        var now = _timeProvider.GetTimestamp();
        lock (this)
        {
            _redisMilliseconds = redisMilliseconds;
            _localTimestamp = sentAt + ((now - sentAt) / 2);
        }
    }

    /// <summary>Gets Redis' time now, in Unix milliseconds, as this replica estimates it; 0 before the first reading.</summary>
    public long Now()
    {
        lock (this)
        {
            return _localTimestamp == 0 ? 0 : _redisMilliseconds + (long)_timeProvider.GetElapsedTime(_localTimestamp).TotalMilliseconds;
        }
    }
}
