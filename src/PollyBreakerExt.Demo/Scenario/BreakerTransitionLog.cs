using Polly.CircuitBreaker;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>
/// Records the breaker's transitions from its <c>OnStateChanged</c> callback, as they happen, and tells the reporters.
/// </summary>
public sealed class BreakerTransitionLog
{
    private readonly Lock _lock = new();
    private readonly List<BreakerTransition> _transitions = [];
    private long _startedAt;

    /// <summary>Raised on the thread of the call that caused the transition.</summary>
    public event Action<BreakerTransition>? Recorded;

    /// <summary>Gets or sets where the window's metrics are read when a transition happens.</summary>
    public Func<CircuitMetrics?>? ReadMetrics { get; set; }

    /// <summary>Starts recording: transitions before this (the warm-up) are ignored; times count from now.</summary>
    public void Start(long timestamp) => Volatile.Write(ref _startedAt, timestamp);

    public IReadOnlyList<BreakerTransition> Snapshot()
    {
        lock (_lock)
        {
            return [.. _transitions];
        }
    }

    public ValueTask OnStateChanged(CircuitStateChangedArguments args)
    {
        var startedAt = Volatile.Read(ref _startedAt);
        if (startedAt == 0 || args.PreviousState == args.NewState)
        {
            return ValueTask.CompletedTask;
        }

        var transition = new BreakerTransition(
            TimeProvider.System.GetElapsedTime(startedAt),
            args.PreviousState,
            args.NewState,
            args.Reason,
            args.BreakDuration,
            args.PreviousState == CircuitState.Closed ? ReadMetrics?.Invoke() : null);

        lock (_lock)
        {
            _transitions.Add(transition);
        }

        Recorded?.Invoke(transition);
        return ValueTask.CompletedTask;
    }
}
