using Polly.CircuitBreaker;
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

    private TimeSpan TimeIn(CircuitState state)
        => StateSegments().Where(segment => segment.State == state).Aggregate(TimeSpan.Zero, (sum, segment) => sum + (segment.End - segment.Start));
}
