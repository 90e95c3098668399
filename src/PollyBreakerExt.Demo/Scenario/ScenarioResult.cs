using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>Everything the scenario recorded, and the summary drawn from it.</summary>
public sealed class ScenarioResult
{
    public ScenarioResult(
        DemoOptions options,
        DemoTimings timings,
        IReadOnlyList<PlannedPhase> phases,
        IReadOnlyList<CallSample> calls,
        IReadOnlyList<TimelineSample> timeline,
        IReadOnlyList<BreakerTransition> transitions,
        TimeSpan elapsed)
    {
        Options = options;
        Timings = timings;
        Phases = phases;
        Calls = calls;
        Timeline = timeline;
        Transitions = transitions;
        Elapsed = elapsed;
        PhaseSummaries = [.. phases.Select(phase => PhaseSummary.Of(phase.Phase, [.. calls.Where(call => call.Phase == phase.Phase)]))];
        Total = PhaseSummary.Of(null, [.. calls]);
    }

    public DemoOptions Options { get; }

    public DemoTimings Timings { get; }

    public IReadOnlyList<PlannedPhase> Phases { get; }

    public IReadOnlyList<CallSample> Calls { get; }

    public IReadOnlyList<TimelineSample> Timeline { get; }

    public IReadOnlyList<BreakerTransition> Transitions { get; }

    /// <summary>Gets the scenario's wall-clock length, until the last client call ended.</summary>
    public TimeSpan Elapsed { get; }

    public IReadOnlyList<PhaseSummary> PhaseSummaries { get; }

    public PhaseSummary Total { get; }

    /// <summary>Gets how often the breaker tripped from closed.</summary>
    public int Trips => Transitions.Count(t => t.From == CircuitState.Closed && t.To == CircuitState.Open);

    /// <summary>Gets how often a half-open probe failed or was slow and the breaker opened again.</summary>
    public int Reopenings => Transitions.Count(t => t.From == CircuitState.HalfOpen && t.To == CircuitState.Open);

    public int Closings => Transitions.Count(t => t.To == CircuitState.Closed);

    public TimeSpan TimeOpen => TimeIn(CircuitState.Open);

    public TimeSpan TimeHalfOpen => TimeIn(CircuitState.HalfOpen);

    /// <summary>Gets the phase that was running at <paramref name="at"/>.</summary>
    public UpstreamPhase PhaseAt(TimeSpan at) => Phases.LastOrDefault(phase => phase.Start <= at)?.Phase ?? Phases[0].Phase;

    /// <summary>Gets the breaker's states as consecutive segments, from the start to <see cref="Elapsed"/>.</summary>
    public IReadOnlyList<(CircuitState State, TimeSpan Start, TimeSpan End)> StateSegments()
    {
        var segments = new List<(CircuitState, TimeSpan, TimeSpan)>();
        var state = CircuitState.Closed;
        var start = TimeSpan.Zero;
        foreach (var transition in Transitions)
        {
            if (transition.At > start)
            {
                segments.Add((state, start, transition.At));
            }

            state = transition.To;
            start = transition.At;
        }

        segments.Add((state, start, Elapsed > start ? Elapsed : start));
        return segments;
    }

    /// <summary>
    /// Gets each recovery ramp: from a close after successful probes until <c>RecoveryRampUp</c> later, or the next
    /// transition, or the end; with the share of calls its half-open let through, where the ramp starts from.
    /// </summary>
    public IReadOnlyList<(TimeSpan Start, TimeSpan End, double StartShare)> RampSegments()
    {
        var ramps = new List<(TimeSpan, TimeSpan, double)>();
        for (var i = 0; i < Transitions.Count; i++)
        {
            var close = Transitions[i];
            if (close.To != CircuitState.Closed || close.Reason != CircuitTransitionReason.HalfOpenSucceeded || i == 0)
            {
                continue;
            }

            var end = close.At + Timings.RecoveryRampUp;
            end = i + 1 < Transitions.Count && Transitions[i + 1].At < end ? Transitions[i + 1].At : end;
            end = end < Elapsed ? end : Elapsed;

            // As the breaker counts it: the probes it admitted (a successful half-open admits SuccessThreshold) over those and
            // the calls it rejected meanwhile. A half-open that rejected none leaves nothing to ramp.
            var rejected = CallsBetween(Transitions[i - 1].At, close.At).Rejected;
            if (rejected > 0)
            {
                ramps.Add((close.At, end, (double)ProductApiApp.SuccessThreshold / (ProductApiApp.SuccessThreshold + rejected)));
            }
        }

        return ramps;
    }

    /// <summary>Counts the clients' calls sent from <paramref name="start"/> until <paramref name="end"/>, and those the breaker rejected.</summary>
    public (int Calls, int Rejected) CallsBetween(TimeSpan start, TimeSpan end)
    {
        var sent = Calls.Where(call => call.SentAt >= start && call.SentAt < end).ToList();
        return (sent.Count, sent.Count(call => call.Rejected));
    }

    private TimeSpan TimeIn(CircuitState state)
        => StateSegments().Where(segment => segment.State == state).Aggregate(TimeSpan.Zero, (sum, segment) => sum + (segment.End - segment.Start));
}
