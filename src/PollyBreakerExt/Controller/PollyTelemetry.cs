using System.Runtime.CompilerServices;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Whether a strategy's telemetry has a listener, read once per breaker from Polly's own flag (Polly keeps it internal).
/// </summary>
/// <remarks>
/// Without a <c>TelemetryListener</c> on the pipeline, reporting an event runs nothing but Polly's check for a listener
/// (Polly 8.9): no user code runs, so the breaker may report it at once, under its lock (issue #19).
/// </remarks>
internal static class PollyTelemetry
{
    /// <summary>
    /// Returns whether events reported through <paramref name="telemetry"/> reach a listener; <see langword="true"/> when
    /// Polly no longer has the flag (a later version), so that events are then raised as if one might run.
    /// </summary>
    public static bool HasListener(ResilienceStrategyTelemetry telemetry)
    {
        try
        {
            return Enabled(telemetry);
        }
        catch (MissingMemberException)
        {
            return true;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Enabled")]
    private static extern bool Enabled(ResilienceStrategyTelemetry telemetry);
}
