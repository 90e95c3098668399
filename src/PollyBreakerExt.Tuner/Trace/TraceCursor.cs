using Microsoft.Win32.SafeHandles;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>Reads calls in admission order, from memory or block by block from a run file, with one call of look-ahead.</summary>
internal sealed class TraceCursor : IDisposable
{
    private readonly SafeFileHandle? _file;
    private readonly TraceCall[] _block;
    private long _offset;
    private int _length;
    private int _next;

    public TraceCursor(TraceCall[] calls)
    {
        _block = calls;
        _length = calls.Length;
    }

    /// <summary>Reads a run file through a handle it shares with other cursors; the handle's owner closes it.</summary>
    public TraceCursor(SafeFileHandle file)
    {
        _file = file;
        _block = new TraceCall[TraceRunFile.BlockLength];
    }

    public bool TryRead(out TraceCall call)
    {
        if (_next < _length || Fill())
        {
            call = _block[_next++];
            return true;
        }

        call = default;
        return false;
    }

    public bool TryPeek(out TraceCall call)
    {
        if (_next < _length || Fill())
        {
            call = _block[_next];
            return true;
        }

        call = default;
        return false;
    }

    public void Dispose()
    {
        // Nothing to release: the handle belongs to the trace; kept for the using pattern of callers.
    }

    private bool Fill()
    {
        if (_file is null)
        {
            return false;
        }

        _length = TraceRunFile.ReadBlock(_file, _offset, _block);
        _offset += _length;
        _next = 0;
        return _length > 0;
    }
}
