namespace PollyBreakerExt;

/// <summary>The running half-open probes, apart from the rings (see the remarks on <see cref="InFlightCalls"/>).</summary>
internal sealed partial class InFlightCalls
{
    private const long ProbeHandle = 1L << 62; // a probe's handle: this bit | its index in _probes

    private RunningProbe[] _probes = []; // running probes (state Free: an unused entry); grown at need, under the lock

    private static bool IsProbe(long handle) => (handle & ProbeHandle) != 0;

    /// <summary>Counts the running probes that have reached the threshold by <paramref name="now"/>; returns the oldest start of the others.</summary>
    private long CountProbes(long now, ref int counted)
    {
        var oldest = NoneRunning;
        foreach (ref var probe in _probes.AsSpan())
        {
            if (probe.State != Running)
            {
                continue;
            }

            if (now - probe.Start >= _threshold)
            {
                probe.State = Counted;
                counted++;
                HungProbeGeneration = Math.Max(HungProbeGeneration, probe.Generation);
            }
            else
            {
                oldest = Math.Min(oldest, probe.Start);
            }
        }

        return oldest;
    }

    /// <summary>Registers a half-open probe in the first unused entry. Under the lock.</summary>
    private long AdmitProbe(long start, int probeGeneration)
    {
        var index = 0;
        while (index < _probes.Length && _probes[index].State != Free)
        {
            index++;
        }

        if (index == _probes.Length)
        {
            Array.Resize(ref _probes, Math.Max(4, 2 * _probes.Length)); // only probes still running past their cap's slot add up
        }

        _probes[index] = new RunningProbe { Start = start, Generation = probeGeneration, State = Running };
        if (start < Volatile.Read(ref _oldestStart[Padding]))
        {
            LowerOldestStart(start);
        }

        return ProbeHandle | (long)index;
    }

    /// <summary>Removes a finished probe. Under the lock.</summary>
    private void ReleaseProbe(long handle)
    {
        ref var probe = ref _probes[(int)(handle & int.MaxValue)];
        if (probe.State == Counted)
        {
            Volatile.Write(ref _slowCount, _slowCount - 1);
        }

        probe = default;
    }

    /// <summary>Marks every running probe forgotten; returns whether there was any.</summary>
    private bool ForgetProbes()
    {
        var forgot = false;
        foreach (ref var probe in _probes.AsSpan())
        {
            if (probe.State != Free)
            {
                probe.State = Forgotten;
                forgot = true;
            }
        }

        return forgot;
    }

    /// <summary>A running half-open probe: its start, its set of probes, and its state (as a ring slot's).</summary>
    private struct RunningProbe
    {
        public long Start;
        public int Generation;
        public long State;
    }
}
