namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// The reference breaker (docs/design.md), a Python breaker, transcribed line for line: a failure count within a time
/// window, a success threshold in half-open, a timeout measured from the last failure, and any half-open failure reopens.
/// </summary>
internal sealed class SeedModel(int failureThreshold, int successThreshold, long timeout, long windowSize)
{
    private readonly Queue<long> _failures = new();
    private int _successesInHalfOpen;
    private long _lastFailureTime;

    public enum Result
    {
        Ok,
        Failed,
        Rejected,
    }

    public CircuitState State { get; private set; } = CircuitState.Closed;

    public List<(CircuitState From, CircuitState To)> Transitions { get; } = [];

    public Result Call(long now, bool fails)
    {
        if (State == CircuitState.Open)
        {
            if (now - _lastFailureTime >= timeout)
            {
                Transition(CircuitState.HalfOpen);
                _successesInHalfOpen = 0;
            }
            else
            {
                return Result.Rejected;
            }
        }

        if (!fails)
        {
            if (State == CircuitState.HalfOpen)
            {
                _successesInHalfOpen++;
                if (_successesInHalfOpen >= successThreshold)
                {
                    _failures.Clear();
                    Transition(CircuitState.Closed);
                }
            }

            return Result.Ok;
        }

        _failures.Enqueue(now);
        _lastFailureTime = now;
        var cutoff = now - windowSize;
        while (_failures.Count > 0 && _failures.Peek() < cutoff)
        {
            _failures.Dequeue();
        }

        if (State == CircuitState.HalfOpen)
        {
            Transition(CircuitState.Open);
        }
        else if (_failures.Count >= failureThreshold)
        {
            Transition(CircuitState.Open);
        }

        return Result.Failed;
    }

    private void Transition(CircuitState newState)
    {
        if (State != newState)
        {
            Transitions.Add((State, newState));
            State = newState;
        }
    }
}
