namespace PollyBreakerExt;

/// <summary>
/// The last N recorded calls, exactly: a ring of one byte per call.
/// </summary>
internal sealed class CountBasedWindow : ISlidingWindow
{
    private const byte FailureFlag = 1;
    private const byte SlowFlag = 2;

    private readonly byte[] _calls;
    private readonly int _failureThreshold;
    private int _next;
    private int _count;
    private int _failures;
    private int _slowCalls;

    public CountBasedWindow(int size, int? failureThreshold)
    {
        _calls = new byte[size];
        _failureThreshold = failureThreshold ?? int.MaxValue;
    }

    public WindowCounts Record(bool isFailure, bool isSlow, long timestamp)
    {
        if (_count == _calls.Length)
        {
            var evicted = _calls[_next];
            _failures -= evicted & FailureFlag;
            _slowCalls -= (evicted & SlowFlag) >> 1;
        }
        else
        {
            _count++;
        }

        _calls[_next] = (byte)((isFailure ? FailureFlag : 0) | (isSlow ? SlowFlag : 0));
        _failures += isFailure ? 1 : 0;
        _slowCalls += isSlow ? 1 : 0;
        _next = _next + 1 == _calls.Length ? 0 : _next + 1;

        return GetCounts(timestamp);
    }

    public WindowCounts GetCounts(long timestamp) => new(_count, _failures, _slowCalls, _failures >= _failureThreshold);

    // The last N calls are exact only in the order the lock gives them: every call is recorded under it.
    public bool HasFailuresOrSlowCalls => true;

    public bool TryRecordSuccess(long timestamp, int generation) => false;

    public void SetGeneration(int generation)
    {
    }

    public void Clear()
    {
        _next = 0;
        _count = 0;
        _failures = 0;
        _slowCalls = 0;
    }
}
