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
/// that number into it); everything else runs under the controller's lock. A slot is reused only once the head has
/// passed it, so a claimed slot is always free. The ring holds <see cref="DefaultCapacity"/> running calls (a keyed
/// strategy's breakers <see cref="KeyedCapacity"/>, as there may be thousands of them); a call admitted while it is full
/// is not tracked and is judged when it finishes, like any completed call.
/// </para>
/// </remarks>
internal sealed class InFlightCalls
{
    public const int DefaultCapacity = 1024;

    /// <summary>The ring of one key's breaker: 1.3 KB instead of 21 KB; a key with more hung calls than this trips on them anyway.</summary>
    public const int KeyedCapacity = 64;

    private const byte Free = 0;
    private const byte Running = 1;
    private const byte Counted = 2; // running, and counted as slow
    private const byte Forgotten = 3; // running, but admitted before the window was cleared: it counts for nothing until it ends

    private readonly long _threshold;
    private readonly int _capacity;
    private readonly long _mask;
    private readonly long[] _sequences; // the slot's sequence number once published
    private readonly long[] _starts;
    private readonly int[] _probeGenerations;
    private readonly byte[] _states;
    private HashSet<long>? _countedBehindHead; // counted calls still running whose slots the head has passed; made at first need
    private long _head; // the oldest slot that may still be running; written under the lock
    private long _next; // the next admission's sequence number; claimed lock-free
    private long _cursor; // published slots before it are finished or judged; written under the lock
    private volatile bool _unjudged; // calls were counted (say, by a metrics read) that no trip judgement has seen yet

    /// <param name="threshold">The slow-call duration threshold, in timestamp units (at least 1).</param>
    /// <param name="capacity">How many running calls the ring holds: a power of two.</param>
    public InFlightCalls(long threshold, int capacity = DefaultCapacity)
    {
        _threshold = threshold;
        _capacity = capacity;
        _mask = capacity - 1;
        _sequences = new long[capacity];
        _starts = new long[capacity];
        _probeGenerations = new int[capacity];
        _states = new byte[capacity];
        Array.Fill(_sequences, -1);
    }

    /// <summary>Gets how many running calls are counted as slow now.</summary>
    public int SlowCount { get; private set; }

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
        _states[slot] = Running;
        Volatile.Write(ref _sequences[slot], sequence);
        return sequence;
    }

    /// <summary>Returns, without a lock, whether the oldest running call not yet judged may have reached the threshold by <paramref name="now"/>.</summary>
    public bool MayHaveReached(long now)
    {
        if (_unjudged)
        {
            return true;
        }

        var cursor = Volatile.Read(ref _cursor);
        var slot = (int)(cursor & _mask);
        return Volatile.Read(ref _sequences[slot]) == cursor && _states[slot] == Running && now - _starts[slot] >= _threshold;
    }

    /// <summary>Removes a finished call. Under the lock.</summary>
    public void Release(long sequence)
    {
        if (sequence < _head)
        {
            // It left the ring counted or forgotten (its slot may be another call's by now).
            if (_countedBehindHead?.Remove(sequence) == true)
            {
                SlowCount--;
            }

            return;
        }

        var slot = (int)(sequence & _mask);
        if (_states[slot] == Counted)
        {
            SlowCount--;
        }

        _states[slot] = Free;
        SkipFinished();
    }

    /// <summary>Counts, once each, the running calls that have reached the threshold by <paramref name="now"/>; returns how many it counted now. Under the lock.</summary>
    public int CountReached(long now)
    {
        var counted = 0;
        while (Reached(now))
        {
            var slot = (int)(_cursor & _mask);
            _states[slot] = Counted;
            counted++;
            HungProbeGeneration = Math.Max(HungProbeGeneration, _probeGenerations[slot]);
            SkipFinished(); // passes the slot just counted
        }

        SlowCount += counted;
        if (counted > 0)
        {
            _unjudged = true;
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
            if (Volatile.Read(ref _sequences[slot]) == sequence && _states[slot] is Running or Counted)
            {
                _states[slot] = Forgotten;
            }
        }

        _countedBehindHead?.Clear();
        SlowCount = 0;
        HungProbeGeneration = 0;
        SkipFinished();
    }

    private bool Reached(long now)
    {
        var slot = (int)(_cursor & _mask);
        return Volatile.Read(ref _sequences[slot]) == _cursor && _states[slot] == Running && now - _starts[slot] >= _threshold;
    }

    // The cursor passes published slots that need no judging: finished, counted or forgotten ones. It stops at a running
    // one or at one whose admission has claimed it but not published it yet. The head follows it over every slot it
    // passed, taking counted calls out of the ring.
    private void SkipFinished()
    {
        var next = Volatile.Read(ref _next);
        while (_cursor < next)
        {
            var slot = (int)(_cursor & _mask);
            if (Volatile.Read(ref _sequences[slot]) != _cursor || _states[slot] == Running)
            {
                break;
            }

            _cursor++;
        }

        while (_head < _cursor)
        {
            if (_states[(int)(_head & _mask)] == Counted)
            {
                (_countedBehindHead ??= []).Add(_head);
            }

            Volatile.Write(ref _head, _head + 1); // the slot is free for an admission from here on
        }
    }
}
