using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PollyBreakerExt;

/// <summary>
/// The calls that completed within the last sampling duration.
/// </summary>
/// <remarks>
/// Ratios come from buckets a tenth of the duration wide, so memory does not grow with call volume; a bucket counts
/// while any part of it is inside the window. The failure threshold is judged exactly, from the timestamps of the last
/// threshold-many failures: the threshold is reached when the oldest of them is still inside the window.
/// <para>
/// Successes can be recorded without the lock (<see cref="TryRecordSuccess"/>): each processor adds them to its own
/// stripe, a counter on a cache line of its own, tagged with the bucket (and the breaker's generation) it counts for. The
/// counts include the stripes, so nothing is lost or late; a stripe is folded into its bucket when the bucket it counts for
/// changes, under the lock. A stale tag makes the compare-and-swap fail, and the success is recorded under the lock.
/// </para>
/// </remarks>
internal sealed class TimeBasedWindow : ISlidingWindow
{
    private const int BucketsPerDuration = 10;
    private const int StripeSpacing = 10; // longs: a stripe is 16 bytes, so with 80 between them two never share a 64-byte line
    private const long NoTarget = long.MinValue;
    private const uint MaxStripeCount = 1 << 26; // per stripe between folds; 8 stripes of it still fit an int

    private static readonly int StripeCount = (int)Math.Min(8, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount));

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
    private int _failures; // read without the lock: no failure and no slow call in the window, no success can trip it
    private int _slowCalls;
    private int _generation;
    private long _targetNumber = NoTarget; // the bucket the stripes count for
    private readonly long[] _stripes; // per stripe: [0] its tag << 32 | its count, [1] the latest time it recorded

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
        _stripes = new long[(StripeCount + 1) * StripeSpacing]; // one spacing before the first: apart from the array's header too
        for (var i = 1; i <= StripeCount; i++)
        {
            _stripes[(i * StripeSpacing) + 1] = long.MinValue; // a clock's timestamps may start below zero
        }
    }

    /// <summary>Gets whether the window holds a failure or a slow call; read without the lock.</summary>
    public bool HasFailuresOrSlowCalls => (Volatile.Read(ref _failures) | Volatile.Read(ref _slowCalls)) != 0;

    /// <summary>
    /// Records a success completed at <paramref name="timestamp"/> by a call of <paramref name="generation"/>, without the
    /// lock; returns <see langword="false"/>, recording nothing, when it must be recorded under the lock (its bucket is not
    /// the one the stripes count for, or the generation has moved on).
    /// </summary>
    public bool TryRecordSuccess(long timestamp, int generation)
    {
        var number = Volatile.Read(ref _targetNumber);
        var start = unchecked(number * _bucketWidth);
        if (number == NoTarget || timestamp < start || timestamp - start >= _bucketWidth)
        {
            return false;
        }

        var tag = Tag(number, generation);
        ref var stripe = ref _stripes[((Thread.GetCurrentProcessorId() & (StripeCount - 1)) + 1) * StripeSpacing];
        ref var latest = ref Unsafe.Add(ref stripe, 1);
        if (timestamp > latest)
        {
            latest = timestamp;
        }

        var word = Volatile.Read(ref stripe);
        while (true)
        {
            if ((uint)(word >> 32) != tag || (uint)word >= MaxStripeCount)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref stripe, word + 1, word);
            if (seen == word)
            {
                return true;
            }

            word = seen;
        }
    }

    /// <summary>Starts a new generation: successes of calls admitted before it are recorded under the lock from now on. Under the lock.</summary>
    public void SetGeneration(int generation)
    {
        _generation = generation;
        FoldStripes(_targetNumber);
    }

    public WindowCounts Record(bool isFailure, bool isSlow, long timestamp)
    {
        // Concurrent completions may arrive slightly out of order; keep time monotonic so no bucket is revisited.
        timestamp = Math.Max(timestamp, LastTimestamp());
        _lastTimestamp = timestamp;
        Evict(timestamp);
        var heldFailuresOrSlowCalls = (_failures | _slowCalls) != 0;

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

        var current = _buckets[_currentSlot].Number;
        if (current != _targetNumber || PendingStripeCalls() > MaxStripeCount / 2)
        {
            FoldStripes(current); // successes without the lock count for this call's bucket from now on
        }
        else if ((isFailure || isSlow) && !heldFailuresOrSlowCalls)
        {
            // A success recorded without the lock reads these counts after its own record: either the counts below see
            // that record, or the success sees this failure or slow call and takes the lock to be judged. A window that
            // held one already needs no fence: it was written under an earlier hold of the lock, and only this hold can
            // lower it, so the success sees one either way (issue #19: the half-open cycle's second failure).
            Interlocked.MemoryBarrier();
        }

        return Counts(timestamp);
    }

    public WindowCounts GetCounts(long timestamp)
    {
        timestamp = Math.Max(timestamp, LastTimestamp());
        Evict(timestamp);
        return Counts(timestamp);
    }

    public void Clear()
    {
        var (currentStart, currentEnd) = (_currentBucketStart, _currentBucketEnd);
        ClearBuckets();
        _failureTimesCount = 0;
        _nextFailure = 0;

        // The stripes' successes so far are dropped with the buckets. They keep counting for the same bucket, kept as an
        // empty one, so a success recorded from here on counts in the new window (it completed after the clear), and
        // the stripes need no new tag: only those with a count are touched.
        for (var i = 1; i <= StripeCount; i++)
        {
            ref var stripe = ref _stripes[i * StripeSpacing];
            var word = Volatile.Read(ref stripe);
            if ((uint)word != 0)
            {
                Interlocked.Exchange(ref stripe, word & ~(long)uint.MaxValue);
            }
        }

        if (_targetNumber != NoTarget)
        {
            // The stripes count for no bucket or for the one the last record landed in (only Record points them at a
            // bucket, its own), which stays the current one: the next call in it needs no division to find it again.
            Debug.Assert(currentStart == unchecked(_targetNumber * _bucketWidth), "the stripes count for the current bucket");
            _buckets[_currentSlot] = new Bucket { Number = _targetNumber };
            (_currentBucketStart, _currentBucketEnd) = (currentStart, currentEnd);
        }
    }

    private static uint Tag(long number, int generation) => (uint)number ^ ((uint)generation << 20);

    private WindowCounts Counts(long now)
    {
        var thresholdReached = _failureTimes is not null
            && _failureTimesCount == _failureTimes.Length
            && now - _failureTimes[_nextFailure] <= _duration;

        return new(_calls + PendingStripeCalls(), _failures, _slowCalls, thresholdReached);
    }

    // The successes recorded without the lock that are not folded into their bucket yet: all count for _targetNumber's.
    private int PendingStripeCalls()
    {
        var pending = 0;
        for (var i = 1; i <= StripeCount; i++)
        {
            pending += (int)(uint)Volatile.Read(ref _stripes[i * StripeSpacing]);
        }

        return pending;
    }

    private long LastTimestamp()
    {
        for (var i = 1; i <= StripeCount; i++)
        {
            _lastTimestamp = Math.Max(_lastTimestamp, Volatile.Read(ref _stripes[(i * StripeSpacing) + 1]));
        }

        return _lastTimestamp;
    }

    /// <summary>Adds the stripes' successes to the bucket they count for (if it is still in the window), and points them at <paramref name="number"/>'s.</summary>
    private void FoldStripes(long number)
    {
        var tag = (long)Tag(number, _generation) << 32;
        var slot = _targetNumber == NoTarget ? -1 : Slot(_targetNumber);
        for (var i = 1; i <= StripeCount; i++)
        {
            var calls = (int)(uint)Interlocked.Exchange(ref _stripes[i * StripeSpacing], tag);
            if (calls != 0 && slot >= 0 && _buckets[slot].Number == _targetNumber)
            {
                _buckets[slot].Calls += calls;
                _calls += calls;
            }
        }

        Volatile.Write(ref _targetNumber, number);
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

        if (_targetNumber != NoTarget && _targetNumber < oldestLive)
        {
            FoldStripes(NoTarget); // their bucket leaves the window with its successes
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
