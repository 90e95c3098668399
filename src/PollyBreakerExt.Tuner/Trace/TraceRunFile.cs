using System.Runtime.InteropServices;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>Temporary files of calls as raw 24-byte records: the sorted runs and their merge.</summary>
internal static class TraceRunFile
{
    private const int BlockCalls = 1 << 14;

    public static string NewPath() => Path.Combine(Path.GetTempPath(), $"pollybreaker-tune-{Guid.NewGuid():N}.calls");

    public static Stream OpenRead(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    /// <summary>K-way merge of sorted runs into one file, holding one block of each run in memory.</summary>
    public static string Merge(IReadOnlyList<string> runs)
    {
        var path = NewPath();
        var cursors = runs.Select(run => new TraceCursor(OpenRead(run))).ToList();
        try
        {
            var heads = new PriorityQueue<int, TraceCall>(Comparer<TraceCall>.Create(TraceCall.CompareAdmissionOrder));
            for (var i = 0; i < cursors.Count; i++)
            {
                if (cursors[i].TryPeek(out var head))
                {
                    heads.Enqueue(i, head);
                }
            }

            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
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
            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    /// <summary>Fills <paramref name="block"/> from the stream; returns how many whole calls were read.</summary>
    public static int ReadBlock(Stream stream, TraceCall[] block)
    {
        var bytes = MemoryMarshal.AsBytes(block.AsSpan());
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return read / Marshal.SizeOf<TraceCall>();
    }

    public static int BlockLength => BlockCalls;
}
