namespace PollyBreakerExt.Demo.Scenario;

/// <summary>Every client call of the scenario, recorded from the clients' tasks.</summary>
public sealed class CallRecorder
{
    private readonly Lock _lock = new();
    private readonly List<CallSample> _calls = [];

    public void Add(CallSample call)
    {
        lock (_lock)
        {
            _calls.Add(call);
        }
    }

    public IReadOnlyList<CallSample> Snapshot()
    {
        lock (_lock)
        {
            return [.. _calls];
        }
    }

    /// <summary>Counts the calls so far and those completed within <paramref name="recent"/> before <paramref name="now"/>.</summary>
    public CallTotals Totals(TimeSpan now, TimeSpan recent)
    {
        int calls = 0, ok = 0, failed = 0, slow = 0, fromCache = 0, unavailable = 0, recentCalls = 0;
        lock (_lock)
        {
            foreach (var call in _calls)
            {
                calls++;
                switch (call.Outcome)
                {
                    case CallOutcome.Ok: ok++; break;
                    case CallOutcome.Failed: failed++; break;
                    case CallOutcome.FromCache: fromCache++; break;
                    default: unavailable++; break;
                }

                if (call.Slow)
                {
                    slow++;
                }

                if (call.CompletedAt > now - recent)
                {
                    recentCalls++;
                }
            }
        }

        return new(calls, ok, failed, slow, fromCache, unavailable, recentCalls / recent.TotalSeconds);
    }
}
