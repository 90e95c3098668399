
namespace PollyBreakerExt.Demo.Scenario;

/// <summary>What the reporters show while the scenario runs; updated by the runner, read by the reporters' loops.</summary>
public sealed class ScenarioProgress
{
    private readonly CallRecorder _calls;
    private readonly long _startedAt;
    private volatile PlannedPhase _phase;
    private TimelineSample _breaker;
    private readonly Lock _lock = new();

    public ScenarioProgress(DemoOptions options, IReadOnlyList<PlannedPhase> phases, CallRecorder calls, BreakerTransitionLog transitions, long startedAt)
    {
        Options = options;
        Phases = phases;
        _calls = calls;
        Transitions = transitions;
        _startedAt = startedAt;
        _phase = phases[0];
    }

    /// <summary>Raised when a phase begins (the first one included).</summary>
    public event Action<PlannedPhase>? PhaseStarted;

    public DemoOptions Options { get; }

    public IReadOnlyList<PlannedPhase> Phases { get; }

    public BreakerTransitionLog Transitions { get; }

    public PlannedPhase Phase => _phase;

    public TimeSpan Elapsed => TimeProvider.System.GetElapsedTime(_startedAt);

    public TimelineSample Breaker
    {
        get
        {
            lock (_lock)
            {
                return _breaker;
            }
        }

        set
        {
            lock (_lock)
            {
                _breaker = value;
            }
        }
    }

    public CallTotals Totals() => _calls.Totals(Elapsed, TimeSpan.FromSeconds(1));

    public void StartPhase(PlannedPhase phase)
    {
        _phase = phase;
        PhaseStarted?.Invoke(phase);
    }
}
