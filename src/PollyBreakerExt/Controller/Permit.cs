namespace PollyBreakerExt;

/// <summary>
/// What an admitted call carries to its completion.
/// </summary>
/// <param name="StartTimestamp">When it was admitted, when durations are measured.</param>
/// <param name="ProbeGeneration">The half-open episode it probes, or 0 for a call admitted while closed.</param>
internal readonly record struct Permit(long StartTimestamp, int ProbeGeneration)
{
    public bool IsProbe => ProbeGeneration != 0;
}
