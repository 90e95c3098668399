namespace PollyBreakerExt.Demo.Scenario;

/// <summary>The clients' calls so far, for the live progress.</summary>
public readonly record struct CallTotals(int Calls, int Ok, int Failed, int Slow, int FromCache, int Unavailable, double CallsPerSecond)
{
    public int Rejected => FromCache + Unavailable;
}
