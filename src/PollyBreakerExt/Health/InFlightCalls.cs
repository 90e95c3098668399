namespace PollyBreakerExt;

/// <summary>
/// The calls still running, in admission order, so that one running for the slow-call threshold counts as slow before it
/// finishes (DESIGN.md W2, "Hung calls are slow before they finish").
/// </summary>
/// <remarks>
/// A ring of admission timestamps, one slot per running call, indexed by an admission sequence number. Calls are admitted
/// in order, so those past the threshold are a prefix of the running ones: a cursor walks forward over them, counting
/// each once, and the head walks forward over finished slots. Calls finish out of order: a finished slot is only marked
/// free, and skipped by both walks. Every slot is passed once by each walk, so the cost is O(1) amortized. No timer, no
/// allocation per call.
/// <para>
/// A call already counted (or forgotten) needs nothing from its slot but to be told apart when it ends, so the head does
/// not wait for it: it leaves the ring, counted ones for a small set, and its slot is reused. A call that never ends
/// therefore pins the ring only until it reaches the threshold, not for good (issue #19, bug 4).
/// </para>
/// <para>
/// Admission is lock-free (one compare-and-swap claims the next sequence number, then the slot is published by writing
/// that number into it), and so is the common release, of a call that finished before it was counted: one
/// compare-and-swap of its slot's word (sequence and state together, so a reused slot is never mistaken for it) marks it
/// free. The walks then pass it lazily, under the controller's lock, when an admission finds the ring full or the oldest
/// slot old enough to matter (<see cref="MayHaveReached"/>). Everything else runs under the lock. A slot is reused only
/// once the head has passed it, so a claimed slot is always free. The ring holds <see cref="DefaultCapacity"/> running calls (a keyed
/// strategy's breakers <see cref="KeyedCapacity"/>, as there may be thousands of them); a call admitted while it is full
/// is not tracked and is judged when it finishes, like any completed call.
/// </para>
/// </remarks>
internal sealed class InFlightCalls
{
    public const int DefaultCapacity = 1024;

    /// <summary>The ring of one key's breaker: 1.3 KB instead of 21 KB; a key with more hung calls than this trips on them anyway.</summary>
    public const int KeyedCapacity = 64;

    private const long Free = 0;
    private const long Running = 1;
    private const long Counted = 2; // running, and counted as slow
    private const long Forgotten = 3; // running, but admitted before the window was cleared: it counts for nothing until it ends

    private readonly long _threshold;
    private readonly int _capacity;
    private readonly long _mask;
    private const int StateBits = 2;
    private const long StateMask = (1 << StateBits) - 1;

    private readonly long[] _words; // the slot's sequence number and state once published: sequence << StateBits | state
    private readonly long[] _starts;
    private readonly int[] _probeGenerations;
    private HashSet<long>? _countedBehindHead; // counted calls still running whose slots the head has passed; made at first need
    private long _head; // the oldest slot that may still be running; written under the lock
    private long _next; // the next admission's sequence number; claimed lock-free
    private long _cursor; // published slots before it are finished or judged; written under the lock
    private volatile bool _unjudged; // calls were counted (say, by a metrics read) that no trip judgement has seen yet
    private int _slowCount;

    /// <param name="threshold">The slow-call duration threshold, in timestamp units (at least 1).</param>
    /// <param name="capacity">How many running calls the ring holds: a power of two.</param>
    public InFlightCalls(long threshold, int capacity = DefaultCapacity)
    {
        _threshold = threshold;
        _capacity = capacity;
        _mask = capacity - 1;
        _words = new long[capacity];
        _starts = new long[capacity];
        _probeGenerations = new int[capacity];
        Array.Fill(_words, -1);
    }

    /// <summary>Gets how many running calls are counted as slow now. Written under the lock; read without it.</summary>
    public int SlowCount => Volatile.Read(ref _slowCount);

    /// <summary>Gets the highest probe generation among running probes counted as slow, or 0.</summary>
    public int HungProbeGeneration { get; private set; }

    /// <summary>Registers a call admitted at <paramref name="start"/>, without a lock; returns its sequence number for <see cref="Release"/>, or -1 when the ring is full.</summary>
    /// <param name="start">Its admission timestamp.</param>
    /// <param name="probeGeneration">Its set of half-open probes, or 0 for a call admitted while closed.</param>
    public long Admit(long start, int probeGeneration)
    {
        long sequence;
        do
        {
            sequence = Volatile.Read(ref _next);
            if (sequence - Volatile.Read(ref _head) >= _capacity)
            {
                return -1;
            }
        }
        while (Interlocked.CompareExchange(ref _next, sequence + 1, sequence) != sequence);

        var slot = (int)(sequence & _mask);
        _starts[slot] = start;
        _probeGenerations[slot] = probeGeneration;
        Volatile.Write(ref _words[slot], Word(sequence, Running));
        return sequence;
    }

    /// <summary>
    /// Returns, without a lock, whether the oldest running call not yet judged may have reached the threshold by
    /// <paramref name="now"/>: the slot at the cursor is old enough, finished or not (the cursor passes finished slots
    /// lazily, and every call behind it started no earlier).
    /// </summary>
    public bool MayHaveReached(long now)
    {
        if (_unjudged)
        {
            return true;
        }

        var cursor = Volatile.Read(ref _cursor);
        var slot = (int)(cursor & _mask);
        return Volatile.Read(ref _words[slot]) >> StateBits == cursor && now - _starts[slot] >= _threshold;
    }

    /// <summary>
    /// Removes, without a lock, a call that finished before it was counted; returns <see langword="false"/>, changing
    /// nothing, when it was counted or has left the ring (then <see cref="Release"/> does it, under the lock).
    /// </summary>
    public bool TryReleaseWithoutLock(long sequence)
    {
        ref var word = ref _words[(int)(sequence & _mask)];
        var running = Word(sequence, Running);
        if (Interlocked.CompareExchange(ref word, Word(sequence, Free), running) == running)
        {
            return true;
        }

        var forgotten = Word(sequence, Forgotten);
        return Interlocked.CompareExchange(ref word, Word(sequence, Free), forgotten) == forgotten;
    }

    /// <summary>Passes the slots freed without the lock, so that admissions find them free. Under the lock.</summary>
    public void Compact() => SkipFinished();

    /// <summary>Removes a finished call. Under the lock.</summary>
    public void Release(long sequence)
    {
        if (sequence < _head)
        {
            // It left the ring counted or forgotten (its slot may be another call's by now).
            if (_countedBehindHead?.Remove(sequence) == true)
            {
                Volatile.Write(ref _slowCount, _slowCount - 1);
            }

            return;
        }

        var slot = (int)(sequence & _mask);
        var word = Volatile.Read(ref _words[slot]);
        if (word >> StateBits != sequence)
        {
            return; // its slot is another call's: the head passed it when it was freed without the lock
        }

        if ((word & StateMask) == Counted)
        {
            Volatile.Write(ref _slowCount, _slowCount - 1);
        }

        Volatile.Write(ref _words[slot], Word(sequence, Free));
        SkipFinished();
    }

    /// <summary>Counts, once each, the running calls that have reached the threshold by <paramref name="now"/>; returns how many it counted now. Under the lock.</summary>
    public int CountReached(long now)
    {
        SkipFinished(); // slots freed without the lock may stand before the oldest running call
        var counted = 0;
        while (Reached(now))
        {
            var slot = (int)(_cursor & _mask);
            var running = Word(_cursor, Running);
            if (Interlocked.CompareExchange(ref _words[slot], Word(_cursor, Counted), running) == running)
            {
                counted++;
                HungProbeGeneration = Math.Max(HungProbeGeneration, _probeGenerations[slot]);
            }

            SkipFinished(); // passes the slot just counted (or just freed by its call)
        }

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
        var next = Volatile.Read(ref _next);
        for (var sequence = _head; sequence < next; sequence++)
        {
            var slot = (int)(sequence & _mask);
            var running = Word(sequence, Running);
            if (Interlocked.CompareExchange(ref _words[slot], Word(sequence, Forgotten), running) != running)
            {
                var counted = Word(sequence, Counted);
                Interlocked.CompareExchange(ref _words[slot], Word(sequence, Forgotten), counted);
            }
        }

        _countedBehindHead?.Clear();
        Volatile.Write(ref _slowCount, 0);
        HungProbeGeneration = 0;
        SkipFinished();
    }

    private static long Word(long sequence, long state) => (sequence << StateBits) | state;

    private bool Reached(long now)
    {
        var slot = (int)(_cursor & _mask);
        return Volatile.Read(ref _words[slot]) == Word(_cursor, Running) && now - _starts[slot] >= _threshold;
    }

    // The cursor passes published slots that need no judging: finished, counted or forgotten ones. It stops at a running
    // one or at one whose admission has claimed it but not published it yet. The head follows it over every slot it
    // passed, taking counted calls out of the ring.
    private void SkipFinished()
    {
        var next = Volatile.Read(ref _next);
        while (_cursor < next)
        {
            var word = Volatile.Read(ref _words[(int)(_cursor & _mask)]);
            if (word >> StateBits != _cursor || (word & StateMask) == Running)
            {
                break;
            }

            _cursor++;
        }

        while (_head < _cursor)
        {
            if (Volatile.Read(ref _words[(int)(_head & _mask)]) == Word(_head, Counted))
            {
                (_countedBehindHead ??= []).Add(_head);
            }

            Volatile.Write(ref _head, _head + 1); // the slot is free for an admission from here on
        }
    }
}
