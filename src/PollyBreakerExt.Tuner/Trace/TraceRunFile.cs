using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>
/// Temporary files of calls as raw 24-byte records: the sorted runs and their merge. Each is deleted as soon as it is
/// written, or when writing it fails, and read through its open handle (positional reads, so any number of cursors
/// share one handle). Only a process killed while it writes one leaves a <c>pollybreaker-tune-*.calls</c> file in the
/// temp folder.
/// </summary>
internal static class TraceRunFile
{
    private const int BlockCalls = 1 << 14;

    public static int BlockLength => BlockCalls;

    /// <summary>Writes <paramref name="calls"/> to a new temporary file; returns a read handle on it, the file already deleted.</summary>
    public static SafeFileHandle Write(ReadOnlyMemory<TraceCall> calls) => WriteNew(output => output.Write(MemoryMarshal.AsBytes(calls.Span)));

    /// <summary>K-way merge of sorted runs into one file, holding one block of each run in memory; returns a read handle on it.</summary>
    public static SafeFileHandle Merge(IReadOnlyList<SafeFileHandle> runs)
    {
        var cursors = runs.Select(run => new TraceCursor(run)).ToList();
        var heads = new PriorityQueue<int, TraceCall>(Comparer<TraceCall>.Create(TraceCall.CompareAdmissionOrder));
        for (var i = 0; i < cursors.Count; i++)
        {
            if (cursors[i].TryPeek(out var head))
            {
                heads.Enqueue(i, head);
            }
        }

        return WriteNew(output =>
        {
            var block = new TraceCall[BlockCalls];
            var filled = 0;
            while (heads.TryDequeue(out var run, out _))
            {
                cursors[run].TryRead(out var call);
                block[filled++] = call;
                if (filled == block.Length)
                {
                    output.Write(MemoryMarshal.AsBytes(block.AsSpan()));
                    filled = 0;
                }

                if (cursors[run].TryPeek(out var next))
                {
                    heads.Enqueue(run, next);
                }
            }

            output.Write(MemoryMarshal.AsBytes(block.AsSpan(0, filled)));
        });
    }

    /// <summary>Creates a temporary file, lets <paramref name="write"/> fill it, and returns a read handle on it, the file already deleted; deletes it if anything fails.</summary>
    internal static SafeFileHandle WriteNew(Action<FileStream> write)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pollybreaker-tune-{Guid.NewGuid():N}.calls");
        try
        {
            using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(output);
            }

            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            try
            {
                File.Delete(path);
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Reads the calls at <paramref name="offset"/> (in calls) into <paramref name="block"/>; returns how many were read.</summary>
    public static int ReadBlock(SafeFileHandle file, long offset, TraceCall[] block)
    {
        var bytes = MemoryMarshal.AsBytes(block.AsSpan());
        var size = Marshal.SizeOf<TraceCall>();
        var total = 0;
        while (total < bytes.Length)
        {
            var read = RandomAccess.Read(file, bytes[total..], (offset * size) + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total / size;
    }
}
