using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Decides how long each break lasts: <c>BreakDuration</c>, or what the user's generator returns (DESIGN.md "Semantics", rule 3).
/// </summary>
internal sealed class BreakDurationSource<T>
{
    private static readonly TimeSpan MaxBreakDuration = TimeSpan.FromDays(1);

    private readonly Func<BreakDurationGeneratorArguments, ValueTask<TimeSpan>>? _generator;
    private readonly ResilienceStrategyTelemetry _telemetry;

    public BreakDurationSource(TimeSpan breakDuration, Func<BreakDurationGeneratorArguments, ValueTask<TimeSpan>>? generator, ResilienceStrategyTelemetry telemetry)
    {
        BreakDuration = breakDuration;
        _generator = generator;
        _telemetry = telemetry;
    }

    /// <summary>Gets the options' <c>BreakDuration</c>.</summary>
    public TimeSpan BreakDuration { get; }

    /// <summary>Gets whether breaks come from user code, which must run outside the lock.</summary>
    public bool IsGenerated => _generator is not null;

    /// <summary>Clamps a break to [0, 1 day].</summary>
    public static TimeSpan Clamp(TimeSpan duration)
        => duration < TimeSpan.Zero ? TimeSpan.Zero : duration > MaxBreakDuration ? MaxBreakDuration : duration;


    /// <summary>
    /// Runs the generator for <paramref name="opening"/>. A generator that throws, returns a negative break, or has not
    /// answered after <see cref="BreakDuration"/> means <see cref="BreakDuration"/>.
    /// </summary>
    public async ValueTask<TimeSpan> GenerateAsync(PendingOpening opening, ResilienceContext context, TimeProvider timeProvider)
    {
        try
        {
            var pending = _generator!(new(opening.FailureRate, opening.FailureCount, context, opening.HalfOpenAttempts));
            var generated = pending.IsCompletedSuccessfully
                ? pending.Result
                : await pending.AsTask().WaitAsync(BreakDuration, timeProvider).ConfigureAwait(context.ContinueOnCapturedContext);

            return generated < TimeSpan.Zero ? BreakDuration : Clamp(generated);
        }
#pragma warning disable CA1031 // A throwing generator must not leave the circuit half-moved: it falls back to BreakDuration.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _telemetry.Report(
                new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnBreakDurationGeneratorFailed),
                context,
                Outcome.FromException<T>(exception),
                opening);
            return BreakDuration;
        }
    }
}
