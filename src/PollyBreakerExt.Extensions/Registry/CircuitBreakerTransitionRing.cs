using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The last <see cref="Capacity"/> transitions of one breaker, in an array that overwrites the oldest; and since when
/// the breaker has been in its current state.
/// </summary>
/// <remarks>
/// The array grows with the transitions up to <see cref="Capacity"/>, so the many breakers of a keyed strategy that never
/// leave closed cost a few bytes each, not a full ring. Written on transitions only (a breaker raises them one at a time)
/// and read by operators; the lock is never taken on a call that does not change the state.
/// </remarks>
public sealed class CircuitBreakerTransitionRing
{
    /// <summary>How many transitions a ring keeps.</summary>
    public const int Capacity = 100;

    private readonly Lock _lock = new();
    private CircuitBreakerTransitionRecord[] _entries = [];
    private int _next;
    private int _count;
    private DateTimeOffset _stateSince;
    private DateTimeOffset? _leftClosedAt;

    internal CircuitBreakerTransitionRing(DateTimeOffset listedAt) => _stateSince = listedAt;

    /// <summary>Gets when the breaker entered its current state: its last transition, or when it was listed if it has none.</summary>
    public DateTimeOffset StateSince
    {
        get
        {
            lock (_lock)
            {
                return _stateSince;
            }
        }
    }

    /// <summary>
    /// Gets when the breaker last left Closed, if it has not closed since: the start of the incident, through every reopening
    /// and half-open in it; <see langword="null"/> when closed, or when it never was (it started isolated, say).
    /// </summary>
    public DateTimeOffset? LeftClosedAt
    {
        get
        {
            lock (_lock)
            {
                return _leftClosedAt;
            }
        }
    }

    /// <summary>Gets the last transition, or <see langword="null"/> when there was none.</summary>
    public CircuitBreakerTransitionRecord? Last
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : _entries[(_next + Capacity - 1) % Capacity];
            }
        }
    }

    internal void Add(CircuitBreakerTransitionRecord transition)
    {
        lock (_lock)
        {
            // Until full, the entries are in order from index 0 (_next == _count), so growing keeps the ring's arithmetic.
            if (_count == _entries.Length && _entries.Length < Capacity)
            {
                Array.Resize(ref _entries, Math.Min(Capacity, Math.Max(4, _entries.Length * 2)));
            }

            _entries[_next] = transition;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
            _stateSince = transition.At;
            _leftClosedAt = transition.To == CircuitState.Closed ? null
                : transition.From == CircuitState.Closed ? transition.At
                : _leftClosedAt;
        }
    }

    /// <summary>Copies the kept transitions, newest first.</summary>
    public CircuitBreakerTransitionRecord[] NewestFirst()
    {
        lock (_lock)
        {
            var copy = new CircuitBreakerTransitionRecord[_count];
            for (var i = 0; i < _count; i++)
            {
                copy[i] = _entries[(_next + Capacity - 1 - i) % Capacity];
            }

            return copy;
        }
    }
}
