namespace PollyBreakerExt;

/// <summary>The rings of running calls, one per processor (see the remarks on <see cref="InFlightCalls"/>).</summary>
internal sealed partial class InFlightCalls
{
    /// <summary>One ring of running calls; its counter of admissions sits alone on its cache line.</summary>
    private sealed class Ring
    {
        private readonly long _mask;
        private readonly long[] _words; // the slot's sequence number and state once published: sequence << StateBits | state
        private readonly long[] _starts;
        private readonly long[] _next = new long[(2 * Padding) + 1]; // [Padding]: the next admission's sequence number; claimed lock-free
        private long _head; // the oldest slot that may still be running; written under the lock
        private long _cursor; // published slots before it are finished or judged; written under the lock

        public Ring(int capacity)
        {
            Capacity = capacity;
            _mask = capacity - 1;
            _words = new long[capacity];
            _starts = new long[capacity];
            Array.Fill(_words, -1);
        }

        public int Capacity { get; }

        public long Head => _head;

        public long Admit(long start)
        {
            ref var next = ref _next[Padding];
            long sequence;
            do
            {
                sequence = Volatile.Read(ref next);
                if (sequence - Volatile.Read(ref _head) >= Capacity)
                {
                    return -1;
                }
            }
            while (Interlocked.CompareExchange(ref next, sequence + 1, sequence) != sequence);

            var slot = (int)(sequence & _mask);
            _starts[slot] = start;
            Volatile.Write(ref _words[slot], Word(sequence, Running));
            return sequence;
        }

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

        /// <summary>Frees a slot at or after the head; returns whether its call was counted as slow. Under the lock.</summary>
        public bool Release(long sequence)
        {
            var slot = (int)(sequence & _mask);
            var word = Volatile.Read(ref _words[slot]);
            if (word >> StateBits != sequence)
            {
                return false;
            }

            Volatile.Write(ref _words[slot], Word(sequence, Free));
            return (word & StateMask) == Counted;
        }

        /// <summary>
        /// Counts the call at the cursor if it is running and has reached the threshold; returns whether it had
        /// (<paramref name="claimed"/>: it was still running, not freed by its call meanwhile). Under the lock.
        /// </summary>
        public bool TryCountCursor(long now, long threshold, out bool claimed)
        {
            var slot = (int)(_cursor & _mask);
            var running = Word(_cursor, Running);
            claimed = false;
            if (Volatile.Read(ref _words[slot]) != running || now - _starts[slot] < threshold)
            {
                return false;
            }

            claimed = Interlocked.CompareExchange(ref _words[slot], Word(_cursor, Counted), running) == running;
            return true;
        }

        /// <summary>The start of the call at the cursor (after <see cref="SkipFinished"/>, the oldest running one), <see cref="Unknown"/> if it is claimed but not published yet, or <see cref="NoneRunning"/>.</summary>
        public long CursorStart()
        {
            if (_cursor >= Volatile.Read(ref _next[Padding]))
            {
                return NoneRunning;
            }

            var slot = (int)(_cursor & _mask);
            return Volatile.Read(ref _words[slot]) == Word(_cursor, Running) ? _starts[slot] : Unknown;
        }

        /// <summary>Marks every running call forgotten; returns whether the ring had any slot the head has not passed.</summary>
        public bool Forget()
        {
            var next = Volatile.Read(ref _next[Padding]);
            if (_head == next)
            {
                return false;
            }

            for (var sequence = _head; sequence < next; sequence++)
            {
                ref var word = ref _words[(int)(sequence & _mask)];
                var running = Word(sequence, Running);
                if (Interlocked.CompareExchange(ref word, Word(sequence, Forgotten), running) != running)
                {
                    var counted = Word(sequence, Counted);
                    Interlocked.CompareExchange(ref word, Word(sequence, Forgotten), counted);
                }
            }

            return true;
        }

        // The cursor passes published slots that need no judging: finished, counted or forgotten ones. It stops at a running
        // one or at one whose admission has claimed it but not published it yet. The head follows it over every slot it
        // passed, taking counted calls out of the ring.
        public void SkipFinished(InFlightCalls owner, int index)
        {
            var next = Volatile.Read(ref _next[Padding]);
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
                    owner.NoteCountedBehindHead((_head << RingBits) | (long)index);
                }

                Volatile.Write(ref _head, _head + 1); // the slot is free for an admission from here on
            }
        }
    }
}
