namespace PollyBreakerExt;

/// <summary>
/// The calls that completed within the last sampling duration.
/// </summary>
/// <remarks>
/// Ratios come from buckets a tenth of the duration wide, so memory does not grow with call volume; a bucket counts
/// while any part of it is inside the window. The failure threshold is judged exactly, from the timestamps of the last
/// threshold-many failures: the threshold is reached when the oldest of them is still inside the window.
/// </remarks>
internal sealed class TimeBasedWindow : ISlidingWindow
{
    private const int BucketsPerDuration = 10;

    private readonly long _duration;
    private readonly long _bucketWidth;
    private readonly Bucket[] _buckets;
    private readonly long[]? _failureTimes;
    private int _nextFailure;
    private int _failureTimesCount;
    private long _lastTimestamp = long.MinValue;
    private long _oldestLiveBucket = long.MinValue / 4; // far enough back that the first eviction clears everything, without overflow
    private long _nextEvictionAt = long.MinValue;
    private long _currentBucketStart = long.MaxValue;
    private long _currentBucketEnd = long.MinValue;
    private int _currentSlot;
    private int _calls;
    private int _failures;
    private int _slowCalls;

    /// <param name="duration">The sampling duration, in timestamp units.</param>
    /// <param name="failureThreshold">The failure threshold, or <see langword="null"/>.</param>
    public TimeBasedWindow(long duration, int? failureThreshold)
    {
        _duration = duration;
        _bucketWidth = Math.Max(1, duration / BucketsPerDuration);

        // Live buckets span [(now - duration) / width, now / width]: at most duration / width + 2 of them.
        _buckets = new Bucket[(duration / _bucketWidth) + 2];
        Array.Fill(_buckets, new Bucket { Number = long.MinValue });
        _failureTimes = failureThreshold is { } threshold ? new long[threshold] : null;
    }

    public WindowCounts Record(bool isFailure, bool isSlow, long timestamp)
    {
        // Concurrent completions may arrive slightly out of order; keep time monotonic so no bucket is revisited.
        timestamp = Math.Max(timestamp, _lastTimestamp);
        _lastTimestamp = timestamp;
        Evict(timestamp);

        // Divisions are the costly part of recording; skip them while the call lands in the same bucket as the last one.
        if (timestamp < _currentBucketStart || timestamp >= _currentBucketEnd)
        {
            var number = FloorDiv(timestamp, _bucketWidth);
            _currentSlot = Slot(number);
            _currentBucketStart = number * _bucketWidth;
            _currentBucketEnd = _currentBucketStart + _bucketWidth;
            if (_buckets[_currentSlot].Number != number)
            {
                _buckets[_currentSlot] = new Bucket { Number = number };
            }
        }

        ref var bucket = ref _buckets[_currentSlot];
        bucket.Calls++;
        _calls++;
        if (isFailure)
        {
            bucket.Failures++;
            _failures++;
            RecordFailureTime(timestamp);
        }

        if (isSlow)
        {
            bucket.SlowCalls++;
            _slowCalls++;
        }

        return Counts(timestamp);
    }

    public WindowCounts GetCounts(long timestamp)
    {
        timestamp = Math.Max(timestamp, _lastTimestamp);
        Evict(timestamp);
        return Counts(timestamp);
    }

    public void Clear()
    {
        ClearBuckets();
        _failureTimesCount = 0;
        _nextFailure = 0;
    }

    private WindowCounts Counts(long now)
    {
        var thresholdReached = _failureTimes is not null
            && _failureTimesCount == _failureTimes.Length
            && now - _failureTimes[_nextFailure] <= _duration;

        return new(_calls, _failures, _slowCalls, thresholdReached);
    }

    private void RecordFailureTime(long timestamp)
    {
        if (_failureTimes is null)
        {
            return;
        }

        _failureTimes[_nextFailure] = timestamp;
        _nextFailure = _nextFailure + 1 == _failureTimes.Length ? 0 : _nextFailure + 1;
        _failureTimesCount = Math.Min(_failureTimesCount + 1, _failureTimes.Length);
    }

    private void Evict(long now)
    {
        if (now < _nextEvictionAt)
        {
            return;
        }

        // The bucket holding the cutoff instant is the oldest that still has a part inside the window.
        var oldestLive = FloorDiv(now - _duration, _bucketWidth);
        _nextEvictionAt = ((oldestLive + 1) * _bucketWidth) + _duration;
        if (oldestLive <= _oldestLiveBucket)
        {
            return;
        }

        if (oldestLive - _oldestLiveBucket >= _buckets.Length)
        {
            ClearBuckets();
        }
        else
        {
            for (var number = _oldestLiveBucket; number < oldestLive; number++)
            {
                ref var bucket = ref _buckets[Slot(number)];
                if (bucket.Number == number)
                {
                    _calls -= bucket.Calls;
                    _failures -= bucket.Failures;
                    _slowCalls -= bucket.SlowCalls;
                    bucket = new Bucket { Number = long.MinValue };
                }
            }
        }

        _oldestLiveBucket = oldestLive;
    }

    private void ClearBuckets()
    {
        Array.Fill(_buckets, new Bucket { Number = long.MinValue });
        _currentBucketStart = long.MaxValue;
        _currentBucketEnd = long.MinValue;
        _calls = 0;
        _failures = 0;
        _slowCalls = 0;
    }

    private int Slot(long number) => (int)(((number % _buckets.Length) + _buckets.Length) % _buckets.Length);

    private static long FloorDiv(long value, long divisor)
    {
        var quotient = value / divisor;
        return value % divisor < 0 ? quotient - 1 : quotient;
    }

    private struct Bucket
    {
        public long Number;
        public int Calls;
        public int Failures;
        public int SlowCalls;
    }
}
