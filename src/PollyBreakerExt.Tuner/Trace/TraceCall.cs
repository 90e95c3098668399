using System.Runtime.InteropServices;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>
/// One row of a trace: when the call started, how long it took, whether it failed, and its row number (0-based, header
/// not counted). 24 bytes, blittable, so sorted runs are written to and read from disk as raw blocks.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct TraceCall
{
    private readonly long _rowAndFailure;

    public TraceCall(long row, long startMs, long durationMs, bool failure)
    {
        StartMs = startMs;
        DurationMs = durationMs;
        _rowAndFailure = (row << 1) | (failure ? 1L : 0L);
    }

    public long StartMs { get; }

    public long DurationMs { get; }

    public long EndMs => StartMs + DurationMs;

    public long Row => _rowAndFailure >> 1;

    public bool Failure => (_rowAndFailure & 1) != 0;

    /// <summary>Admission order: by start, then by row (W5: admissions at one millisecond keep the trace's row order).</summary>
    public static int CompareAdmissionOrder(TraceCall x, TraceCall y)
    {
        var byStart = x.StartMs.CompareTo(y.StartMs);
        return byStart != 0 ? byStart : x._rowAndFailure.CompareTo(y._rowAndFailure);
    }
}
