namespace PollyBreakerExt;

/// <summary>
/// What an admitted call carries to its completion.
/// </summary>
/// <param name="StartTimestamp">When it was admitted, when durations are measured.</param>
/// <param name="Generation">The breaker's generation when it was admitted: a manual transition starts a new one, and results of calls admitted before it are not recorded.</param>
/// <param name="ProbeGeneration">The set of half-open probes it belongs to, or 0 for a call admitted while closed.</param>
/// <param name="InFlightSequence">Its slot among the running calls, or -1 when running calls are not tracked.</param>
internal readonly record struct Permit(long StartTimestamp, int Generation, int ProbeGeneration, long InFlightSequence = -1)
{
    public bool IsProbe => ProbeGeneration != 0;

    public bool IsTracked => InFlightSequence >= 0;

    /// <summary>A call that runs only because the breaker is in shadow mode: its generation is never current, so it is not recorded.</summary>
    public static Permit Shadow(long now) => new(now, int.MinValue, 0);
}
