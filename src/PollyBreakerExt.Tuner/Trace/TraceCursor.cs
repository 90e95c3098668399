namespace PollyBreakerExt.Tuner.Trace;

/// <summary>Reads calls in admission order, from memory or block by block from a run file, with one call of look-ahead.</summary>
internal sealed class TraceCursor : IDisposable
{
    private readonly Stream? _stream;
    private readonly TraceCall[] _block;
    private int _length;
    private int _next;

    public TraceCursor(TraceCall[] calls)
    {
        _block = calls;
        _length = calls.Length;
    }

    public TraceCursor(Stream stream)
    {
        _stream = stream;
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

    public void Dispose() => _stream?.Dispose();

    private bool Fill()
    {
        if (_stream is null)
        {
            return false;
        }

        _length = TraceRunFile.ReadBlock(_stream, _block);
        _next = 0;
        return _length > 0;
    }
}
