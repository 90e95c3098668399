namespace PollyBreakerExt;

/// <summary>
/// The calls still running, in admission order, so that one running for the slow-call threshold counts as slow before it
/// finishes (DESIGN.md W2, "Hung calls are slow before they finish").
/// </summary>
/// <remarks>
/// A ring of admission timestamps, one slot per running call, indexed by an admission sequence number. Calls are admitted
/// in order, so those past the threshold are a prefix of the running ones: a cursor walks forward over them, counting
/// each once, and the head walks forward over finished slots. Calls finish out of order: a finished slot is only marked
/// free, and skipped by both walks. Every slot is passed once by each walk, so the cost is O(1) amortized; the ring
/// doubles when more calls run at once than it holds, and never shrinks. No timer, no allocation per call. Not
/// thread-safe: the controller calls it under its lock.
/// </remarks>
internal sealed class InFlightCalls
{
    private const byte Free = 0;
    private const byte Running = 1;
    private const byte Counted = 2; // running, and counted as slow
    private const byte Forgotten = 3; // running, but admitted before the window was cleared: it counts for nothing until it ends

    private readonly long _threshold;
    private long[] _starts;
    private int[] _probeGenerations;
    private byte[] _states;
    private int _mask;
    private long _head; // the oldest slot that may still be running
    private long _next; // the next admission's sequence number
    private long _cursor; // running slots before it have been judged past the threshold

    /// <param name="threshold">The slow-call duration threshold, in timestamp units (at least 1).</param>
    /// <param name="capacity">The initial number of slots, a power of two.</param>
    public InFlightCalls(long threshold, int capacity = 64)
    {
        _threshold = threshold;
        _starts = new long[capacity];
        _probeGenerations = new int[capacity];
        _states = new byte[capacity];
        _mask = capacity - 1;
    }

    /// <summary>Gets how many running calls are counted as slow now.</summary>
    public int SlowCount { get; private set; }

    /// <summary>Gets the highest probe generation among running probes counted as slow, or 0.</summary>
    public int HungProbeGeneration { get; private set; }

    /// <summary>Registers a call admitted at <paramref name="start"/>; returns its sequence number for <see cref="Release"/>.</summary>
    /// <param name="start">Its admission timestamp.</param>
    /// <param name="probeGeneration">Its set of half-open probes, or 0 for a call admitted while closed.</param>
    public long Admit(long start, int probeGeneration)
    {
        if (_next - _head == _states.Length)
        {
            Grow();
        }

        var sequence = _next++;
        var slot = (int)(sequence & _mask);
        _starts[slot] = start;
        _probeGenerations[slot] = probeGeneration;
        _states[slot] = Running;
        return sequence;
    }

    /// <summary>Removes a finished call.</summary>
    public void Release(long sequence)
    {
        var slot = (int)(sequence & _mask);
        if (_states[slot] == Counted)
        {
            SlowCount--;
        }

        _states[slot] = Free;
        while (_head < _next && _states[(int)(_head & _mask)] == Free)
        {
            _head++;
        }

        if (_cursor < _head)
        {
            _cursor = _head;
        }
    }

    /// <summary>Counts, once each, the running calls that have reached the threshold by <paramref name="now"/>; returns how many it counted now.</summary>
    public int CountReached(long now)
    {
        var counted = 0;
        for (; _cursor < _next; _cursor++)
        {
            var slot = (int)(_cursor & _mask);
            if (_states[slot] != Running)
            {
                continue;
            }

            if (now - _starts[slot] < _threshold)
            {
                break;
            }

            _states[slot] = Counted;
            counted++;
            HungProbeGeneration = Math.Max(HungProbeGeneration, _probeGenerations[slot]);
        }

        SlowCount += counted;
        return counted;
    }

    /// <summary>Stops counting the calls running now: the window was cleared, they count for nothing until they end.</summary>
    public void Forget()
    {
        for (var sequence = _head; sequence < _next; sequence++)
        {
            ref var state = ref _states[(int)(sequence & _mask)];
            if (state != Free)
            {
                state = Forgotten;
            }
        }

        _cursor = _next;
        SlowCount = 0;
        HungProbeGeneration = 0;
    }

    private void Grow()
    {
        var capacity = _states.Length * 2;
        var starts = new long[capacity];
        var probeGenerations = new int[capacity];
        var states = new byte[capacity];
        var newMask = capacity - 1;
        for (var sequence = _head; sequence < _next; sequence++)
        {
            var from = (int)(sequence & _mask);
            var to = (int)(sequence & newMask);
            starts[to] = _starts[from];
            probeGenerations[to] = _probeGenerations[from];
            states[to] = _states[from];
        }

        (_starts, _probeGenerations, _states, _mask) = (starts, probeGenerations, states, newMask);
    }
}
