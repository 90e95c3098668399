using System.Globalization;
using System.Text;

namespace PollyBreakerExt;

/// <summary>
/// Appends every call a pipeline runs to a CSV file in the format <c>pollybreaker-tune</c> reads
/// (<c>start_ms,duration_ms,outcome</c>), so that a team can record real traffic, for instance for a day with the
/// breaker in shadow mode, and tune the breaker's options on it.
/// </summary>
/// <remarks>
/// Add it to a pipeline with <c>AddSlowCallCircuitBreakerRecorder</c> right after <c>AddSlowCallCircuitBreaker</c>, so it
/// sees each call the breaker lets run, as the breaker sees it. It costs nothing where it is not added. Rows are written
/// as calls complete, so they are not in start order; the tuner accepts rows in any order. <c>start_ms</c> is Unix time in
/// milliseconds from the pipeline's <see cref="TimeProvider"/>; <c>duration_ms</c> is measured with its timestamps and
/// truncated to whole milliseconds (so a slow-call threshold in whole milliseconds judges the call as the breaker did).
/// Calls the caller cancelled, and calls a breaker refused, are not recorded: neither ran to an outcome. Rows are
/// buffered; <see cref="Flush"/> or dispose to write them out. Thread-safe; one recorder may serve several pipelines.
/// A write that fails (a full disk, a volume gone) never fails the call: the recorder stops, keeps the error in
/// <see cref="Failure"/>, and records nothing more.
/// </remarks>
public sealed class SlowCallCircuitBreakerRecorder : IDisposable, IAsyncDisposable
{
    /// <summary>The header of a trace file.</summary>
    public const string Header = "start_ms,duration_ms,outcome";

    private readonly object _lock = new();
    private readonly StreamWriter _writer;
    private long _recordedCalls;
    private bool _disposed;
    private Exception? _failure;

    /// <summary>
    /// Initializes a new instance of the <see cref="SlowCallCircuitBreakerRecorder"/> class that appends to
    /// <paramref name="path"/>, writing the header first when the file is new or empty.
    /// </summary>
    /// <param name="path">The CSV file; created if missing, appended to if not.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public SlowCallCircuitBreakerRecorder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16) { NewLine = "\n" };
        if (stream.Length == 0)
        {
            _writer.WriteLine(Header);
        }
    }

    /// <summary>Gets the full path of the file.</summary>
    public string Path { get; }

    /// <summary>Gets how many calls this recorder has written.</summary>
    public long RecordedCalls => Interlocked.Read(ref _recordedCalls);

    /// <summary>Gets the write error that stopped the recorder, or <see langword="null"/> while it records.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Writes buffered rows to the file.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed && _failure is null)
            {
                _writer.Flush();
            }
        }
    }

    /// <summary>Writes buffered rows and closes the file; later calls are not recorded.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                try
                {
                    _writer.Dispose();
                }
                catch (IOException exception) when (_failure is not null)
                {
                    // The rows the failed write left in the buffer cannot be written either; the first error is kept.
                    _ = exception;
                }
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    internal void Record(long startUnixMs, TimeSpan duration, bool failure)
    {
        var durationMs = Math.Max(0, duration.Ticks / TimeSpan.TicksPerMillisecond);
        Span<char> line = stackalloc char[64];
        startUnixMs.TryFormat(line, out var length, default, CultureInfo.InvariantCulture);
        line[length++] = ',';
        durationMs.TryFormat(line[length..], out var durationLength, default, CultureInfo.InvariantCulture);
        length += durationLength;
        var outcome = failure ? ",failure" : ",success";
        outcome.CopyTo(line[length..]);
        length += outcome.Length;
        lock (_lock)
        {
            if (_disposed || _failure is not null)
            {
                return;
            }

            try
            {
                _writer.WriteLine(line[..length]);
            }
            catch (IOException exception)
            {
                // The call already ran; its outcome is the caller's, not the file's.
                _failure = exception;
                return;
            }

            _recordedCalls++;
        }
    }
}
