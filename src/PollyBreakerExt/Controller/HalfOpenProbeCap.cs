namespace PollyBreakerExt;

/// <summary>
/// The half-open probe cap (DESIGN.md "Semantics", rule 4): at most <c>SuccessThreshold</c> probes hold a slot at once. Probes
/// are admitted in sets; a probe holds its slot while it runs, until <c>BreakDuration</c> has passed since its set began (it
/// is then stuck, and new probes are admitted again). Never after a generated break: a generated zero must not lift the cap.
/// Sets outlive the half-open episode that began them, so probes still
/// running from an earlier episode count against the cap of the next one, however short the generated break in between.
/// </summary>
/// <remarks>Not thread-safe: used under the controller's lock. No allocation after construction.</remarks>
internal sealed class HalfOpenProbeCap
{
    private readonly long _breakDuration;
    private readonly ProbeSet[] _sets; // oldest first: every set with a running probe, and the newest one even when idle
    private int _count;
    private int _lastGeneration;

    public HalfOpenProbeCap(int capacity, long breakDurationTimestamp)
    {
        Capacity = capacity;
        _breakDuration = breakDurationTimestamp;
        _sets = new ProbeSet[capacity + 1];
    }

    public int Capacity { get; }

    /// <summary>Gets the generation the next set will have: a new episode's probes are of this generation or later.</summary>
    public int NextGeneration => _lastGeneration + 1;

    /// <summary>Admits a probe if a slot is free, into the newest set if it is of <paramref name="episodeGeneration"/> or later and not stuck.</summary>
    public bool TryAdmit(long now, int episodeGeneration, out int generation)
    {
        Prune(now);
        if (Holding(now) >= Capacity)
        {
            generation = 0;
            return false;
        }

        if (_count > 0 && _sets[_count - 1].Generation >= episodeGeneration)
        {
            _sets[_count - 1].Running++;
        }
        else
        {
            if (_count > 0 && _sets[_count - 1].Running == 0)
            {
                _count--; // the idle newest set gives way
            }

            _sets[_count++] = new ProbeSet(++_lastGeneration, Timestamps.AddSaturating(now, _breakDuration), 1);
        }

        generation = _lastGeneration;
        return true;
    }

    /// <summary>Gives back the slot of a finished probe, if its set still holds one.</summary>
    public void Release(int generation)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_sets[i].Generation != generation)
            {
                continue;
            }

            if (--_sets[i].Running == 0 && i < _count - 1)
            {
                Array.Copy(_sets, i + 1, _sets, i, _count - i - 1);
                _count--;
            }

            return;
        }
    }

    /// <summary>Gets how many running probes hold a slot.</summary>
    public int Holding(long now)
    {
        var holding = 0;
        for (var i = 0; i < _count; i++)
        {
            holding += _sets[i].StuckAt > now ? _sets[i].Running : 0;
        }

        return holding;
    }

    /// <summary>Gets when a slot frees at the latest (the oldest holding set gets stuck), or <paramref name="now"/> if none is held.</summary>
    public long FreesAt(long now)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_sets[i].StuckAt > now && _sets[i].Running > 0)
            {
                return _sets[i].StuckAt;
            }
        }

        return now;
    }

    /// <summary>Forgets every probe: the breaker closed, so none of them can hold a slot any more.</summary>
    public void Clear() => _count = 0;

    private void Prune(long now)
    {
        var stuck = 0;
        while (stuck < _count && _sets[stuck].StuckAt <= now)
        {
            stuck++; // sets begin in order and get stuck after the same BreakDuration: the stuck ones are the oldest
        }

        if (stuck > 0)
        {
            Array.Copy(_sets, stuck, _sets, 0, _count - stuck);
            _count -= stuck;
        }
    }

    private struct ProbeSet(int generation, long stuckAt, int running)
    {
        public readonly int Generation = generation;
        public readonly long StuckAt = stuckAt;
        public int Running = running;
    }
}
