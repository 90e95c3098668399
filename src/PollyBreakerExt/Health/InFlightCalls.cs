using System.Numerics;

namespace PollyBreakerExt;

/// <summary>
/// The calls still running, in admission order, so that one running for the slow-call threshold counts as slow before it
/// finishes (DESIGN.md W2, "Hung calls are slow before they finish").
/// </summary>
/// <remarks>
/// Rings of admission timestamps, one slot per running call, indexed by an admission sequence number. Within a ring calls
/// are admitted in order, so those past the threshold are a prefix of its running ones: a cursor walks forward over them,
/// counting each once, and the head walks forward over finished slots. Calls finish out of order: a finished slot is
/// only marked free, and skipped by both walks. Every slot is passed once by each walk, so the cost is O(1) amortized.
/// No timer, no allocation per call.
/// <para>
/// A call already counted (or forgotten) needs nothing from its slot but to be told apart when it ends, so the head does
/// not wait for it: it leaves the ring, counted ones for a small set, and its slot is reused. A call that never ends
/// therefore pins its ring only until it reaches the threshold, not for good (issue #19, bug 4).
/// </para>
/// <para>
/// The calling path shares no cache line between processors. Each processor admits into its own ring (and into the
/// others when its own is full), with one compare-and-swap on that ring's own counter, then publishes the slot by writing
/// its word: sequence and state together, so a reused slot is never mistaken for it. A call that finished before it was
/// counted frees its slot with one compare-and-swap of that word; the walks pass freed slots lazily, under the
/// controller's lock, when an admission finds every ring full or when the oldest start may have reached the threshold.
/// That start is one shared value, <see cref="MayHaveReached"/>'s only read, written only when it is unknown or a judgement
/// renews it, so in-flight tracking costs no shared write until a call may be past the threshold. Everything else runs
/// under the lock. A slot is reused only once its ring's head has passed it, so a claimed slot is always free.
/// </para>
/// <para>
/// Half-open probes are not put in the rings: they are admitted and finished under the lock anyway, at most a few run at
/// once, and they alone need their probe generation. They are kept in a small array of their own (<see cref="RunningProbe"/>),
/// counted by the same walk, so a probe costs no compare-and-swap and the rings no generation per slot (issue #19).
/// </para>
/// <para>
/// The rings hold <see cref="DefaultCapacity"/> running calls in all (a keyed strategy's breakers
/// <see cref="KeyedCapacity"/>, in one ring, as there may be thousands of them); a call admitted while every ring is full
/// is not tracked and is judged when it finishes, like any completed call.
/// </para>
/// </remarks>
internal sealed partial class InFlightCalls
{
    public const int DefaultCapacity = 1024;

    /// <summary>The ring of one key's breaker: 1.3 KB instead of 21 KB; a key with more hung calls than this trips on them anyway.</summary>
    public const int KeyedCapacity = 64;

    private const long Free = 0;
    private const long Running = 1;
    private const long Counted = 2; // running, and counted as slow
    private const long Forgotten = 3; // running, but admitted before the window was cleared: it counts for nothing until it ends
    private const int StateBits = 2;
    private const long StateMask = (1 << StateBits) - 1;
    private const int RingBits = 3; // a call's handle is its sequence number << RingBits | its ring
    private const long NoneRunning = long.MaxValue;
    private const long Unknown = long.MinValue; // an admission was claimed but not published when the start was renewed
    private const int Padding = 8; // longs: the oldest start sits alone on its cache line

    private static readonly int ProcessorRings = (int)Math.Min(1 << RingBits, BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount));

    private readonly long _threshold;
    private readonly Ring[] _rings;
    private readonly long[] _oldestStart = new long[(2 * Padding) + 1]; // [Padding]: no running call not yet judged started before it
    private HashSet<long>? _countedBehindHead; // handles of counted calls still running whose slots a head has passed; made at first need
    private volatile bool _unjudged; // calls were counted (say, by a metrics read) that no trip judgement has seen yet
    private int _slowCount;

    /// <param name="threshold">The slow-call duration threshold, in timestamp units (at least 1).</param>
    /// <param name="capacity">How many running calls the rings hold in all: a power of two.</param>
    public InFlightCalls(long threshold, int capacity = DefaultCapacity)
    {
        _threshold = threshold;
        var rings = capacity >= 256 ? Math.Min(ProcessorRings, capacity) : 1; // a small ring is a keyed breaker's: one of thousands
        _rings = new Ring[rings];
        for (var i = 0; i < rings; i++)
        {
            _rings[i] = new Ring(capacity / rings);
        }

        _oldestStart[Padding] = NoneRunning;
    }

    /// <summary>Gets how many running calls are counted as slow now. Written under the lock; read without it.</summary>
    public int SlowCount => Volatile.Read(ref _slowCount);

    /// <summary>Gets the highest probe generation among running probes counted as slow, or 0.</summary>
    public int HungProbeGeneration { get; private set; }

    /// <summary>
    /// Registers a call admitted at <paramref name="start"/>, without a lock (a probe: under the lock); returns its handle
    /// for <see cref="Release"/>, or -1 when every ring is full (never for a probe).
    /// </summary>
    /// <param name="start">Its admission timestamp.</param>
    /// <param name="probeGeneration">Its set of half-open probes, or 0 for a call admitted while closed.</param>
    public long Admit(long start, int probeGeneration)
    {
        if (probeGeneration != 0)
        {
            return AdmitProbe(start, probeGeneration);
        }

        var first = _rings.Length == 1 ? 0 : Thread.GetCurrentProcessorId();
        for (var i = 0; i < _rings.Length; i++)
        {
            var index = (first + i) & (_rings.Length - 1);
            var sequence = _rings[index].Admit(start);
            if (sequence < 0)
            {
                continue;
            }

            // After the claim's compare-and-swap: either a judgement renewing the oldest start saw the claim, or this sees
            // its renewal (and lowers it to this start). Only the first call after one that started earlier writes it.
            if (start < Volatile.Read(ref _oldestStart[Padding]))
            {
                LowerOldestStart(start);
            }

            return (sequence << RingBits) | (long)index;
        }

        return -1;
    }

    /// <summary>
    /// Returns, without a lock, whether a running call not yet judged may have reached the threshold by
    /// <paramref name="now"/>: one read of a value written only by the first admission after a judgement and by judgements.
    /// </summary>
    public bool MayHaveReached(long now)
    {
        if (_unjudged)
        {
            return true;
        }

        var oldest = Volatile.Read(ref _oldestStart[Padding]);
        return oldest == Unknown || (oldest != NoneRunning && now - oldest >= _threshold);
    }

    /// <summary>
    /// Removes, without a lock, a call that finished before it was counted; returns <see langword="false"/>, changing
    /// nothing, when it was counted or has left its ring (then <see cref="Release"/> does it, under the lock).
    /// </summary>
    public bool TryReleaseWithoutLock(long handle) => !IsProbe(handle) && _rings[(int)(handle & ((1 << RingBits) - 1))].TryReleaseWithoutLock(handle >> RingBits);

    /// <summary>Passes the slots freed without the lock, so that admissions find them free. Under the lock.</summary>
    public void Compact()
    {
        for (var i = 0; i < _rings.Length; i++)
        {
            _rings[i].SkipFinished(this, i);
        }
    }

    /// <summary>Removes a finished call. Under the lock.</summary>
    public void Release(long handle)
    {
        if (IsProbe(handle))
        {
            ReleaseProbe(handle);
            return;
        }

        var index = (int)(handle & ((1 << RingBits) - 1));
        var ring = _rings[index];
        var sequence = handle >> RingBits;
        if (sequence < ring.Head)
        {
            // It left the ring counted or forgotten (its slot may be another call's by now).
            if (_countedBehindHead?.Remove(handle) == true)
            {
                Volatile.Write(ref _slowCount, _slowCount - 1);
            }

            return;
        }

        if (ring.Release(sequence))
        {
            Volatile.Write(ref _slowCount, _slowCount - 1);
        }

        ring.SkipFinished(this, index);
    }

    /// <summary>Counts, once each, the running calls that have reached the threshold by <paramref name="now"/>; returns how many it counted now. Under the lock.</summary>
    public int CountReached(long now)
    {
        if (!MayHaveReached(now))
        {
            return 0; // no running call has reached the threshold: nothing to count, nothing to walk
        }

        var counted = Walk(now);
        if (counted > 0)
        {
            Volatile.Write(ref _slowCount, _slowCount + counted);
            _unjudged = true;

            // A success recorded without the lock reads these counts after its own record: either this judgement's
            // window read sees that record, or the success sees this count and takes the lock to be judged.
            Interlocked.MemoryBarrier();
        }

        return counted;
    }

    /// <summary>Notes that a trip judgement has seen every call counted so far. Under the lock.</summary>
    public void MarkJudged() => _unjudged = false;

    /// <summary>Stops counting the calls running now: the window was cleared, they count for nothing until they end. Under the lock.</summary>
    public void Forget()
    {
        var forgot = false;
        foreach (var ring in _rings)
        {
            forgot |= ring.Forget();
        }

        forgot |= ForgetProbes();

        _countedBehindHead?.Clear();
        Volatile.Write(ref _slowCount, 0);
        HungProbeGeneration = 0;
        if (forgot)
        {
            Walk(now: null); // passes the forgotten slots and renews the oldest start
        }
    }

    private static long Word(long sequence, long state) => (sequence << StateBits) | state;

    /// <summary>
    /// Passes every ring's finished slots, counts (with <paramref name="now"/>) the calls that have reached the threshold,
    /// and renews the oldest start; returns how many it counted and claimed. Under the lock.
    /// </summary>
    private int Walk(long? now)
    {
        // Renewed before the rings are read: an admission claimed after this read sees the renewal and lowers it itself.
        Interlocked.Exchange(ref _oldestStart[Padding], NoneRunning);
        var counted = 0;
        var oldest = NoneRunning;
        for (var i = 0; i < _rings.Length; i++)
        {
            var ring = _rings[i];
            ring.SkipFinished(this, i); // slots freed without the lock may stand before the oldest running call
            while (now is { } at && ring.TryCountCursor(at, _threshold, out var claimed))
            {
                if (claimed)
                {
                    counted++;
                }

                ring.SkipFinished(this, i); // passes the slot just counted (or just freed by its call)
            }

            oldest = Math.Min(oldest, ring.CursorStart());
        }

        // Without a time (a forget's walk) every probe is forgotten: none is running, none adds to the oldest start.
        if (now is { } time)
        {
            oldest = Math.Min(oldest, CountProbes(time, ref counted));
        }

        if (oldest != NoneRunning)
        {
            LowerOldestStart(oldest);
        }

        return counted;
    }

    private void LowerOldestStart(long start)
    {
        ref var oldest = ref _oldestStart[Padding];
        var seen = Volatile.Read(ref oldest);
        while (start < seen)
        {
            var previous = Interlocked.CompareExchange(ref oldest, start, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private void NoteCountedBehindHead(long handle) => (_countedBehindHead ??= []).Add(handle);
}
