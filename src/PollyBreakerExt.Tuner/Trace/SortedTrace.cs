using Microsoft.Win32.SafeHandles;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>
/// A trace in admission order (start, then row), read once from its CSV. Rows may come in any order: the trace is sorted
/// with bounded memory, in runs of <see cref="DefaultRunLength"/> calls; a trace that fits one run stays in memory, a
/// longer one is merged into a temporary binary file that every replay streams (deleted at once, read through its open
/// handle, so it never outlives the process). Memory is flat in trace length.
/// </summary>
internal sealed class SortedTrace : IDisposable
{
    /// <summary>1 Mi calls, 24 MiB: the most memory a trace takes, however long.</summary>
    public const int DefaultRunLength = 1 << 20;

    private readonly TraceCall[]? _calls;
    private readonly SafeFileHandle? _file;

    private SortedTrace(TraceCall[]? calls, SafeFileHandle? file, long count, long failures, long startMs, long endMs)
    {
        _calls = calls;
        _file = file;
        Count = count;
        Failures = failures;
        StartMs = startMs;
        EndMs = endMs;
    }

    /// <summary>Gets the number of calls.</summary>
    public long Count { get; }

    /// <summary>Gets the number of calls whose outcome is a failure: what gets through with no breaker at all.</summary>
    public long Failures { get; }

    /// <summary>Gets the earliest start, 0 for an empty trace.</summary>
    public long StartMs { get; }

    /// <summary>Gets the latest completion (start + duration), 0 for an empty trace.</summary>
    public long EndMs { get; }

    /// <summary>Gets whether the trace was longer than one run and is read from disk.</summary>
    public bool IsOnDisk => _file is not null;

    public static SortedTrace Load(string path, int runLength = DefaultRunLength)
    {
        using var reader = TraceCsvReader.Open(path);
        return Load(reader, runLength);
    }

    public static SortedTrace Load(TraceCsvReader reader, int runLength = DefaultRunLength)
    {
        var buffer = new TraceCall[runLength];
        var runs = new List<SafeFileHandle>();
        long count = 0, failures = 0, start = long.MaxValue, end = 0;
        try
        {
            while (true)
            {
                var filled = 0;
                while (filled < buffer.Length && reader.TryRead(out var call))
                {
                    buffer[filled++] = call;
                    failures += call.Failure ? 1 : 0;
                    start = Math.Min(start, call.StartMs);
                    end = Math.Max(end, call.EndMs);
                }

                count += filled;
                SortRun(buffer.AsSpan(0, filled));
                if (filled < buffer.Length && runs.Count == 0)
                {
                    return new SortedTrace(buffer[..filled], null, count, failures, count == 0 ? 0 : start, end);
                }

                if (filled > 0)
                {
                    runs.Add(TraceRunFile.Write(buffer.AsMemory(0, filled)));
                }

                if (filled < buffer.Length)
                {
                    break;
                }
            }

            var merged = TraceRunFile.Merge(runs);
            return new SortedTrace(null, merged, count, failures, start, end);
        }
        finally
        {
            foreach (var run in runs)
            {
                run.Dispose();
            }
        }
    }

    /// <summary>Opens an independent reader over the calls in admission order; sweeps open one per worker.</summary>
    public TraceCursor OpenCursor() => _calls is not null ? new TraceCursor(_calls) : new TraceCursor(_file!);

    public void Dispose() => _file?.Dispose();

    private static void SortRun(Span<TraceCall> run)
    {
        for (var i = 1; i < run.Length; i++)
        {
            if (TraceCall.CompareAdmissionOrder(run[i - 1], run[i]) > 0)
            {
                run.Sort(TraceCall.CompareAdmissionOrder);
                return;
            }
        }
    }
}
