using PollyBreakerExt;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// One replica's slow-call breaker (fails once to trip, one probe closes it) in its own pipeline, with every transition
/// it made and how many calls reached the dependency.
/// </summary>
public sealed class TestBreaker
{
    private int _executed;
    private int _probes;

    public TestBreaker(string name, ICircuitBreakerFleet? fleet, TimeSpan breakDuration, int successThreshold = 1, Action<CircuitStateChangedArguments>? onStateChanged = null)
    {
        StateProvider = new SlowCallCircuitBreakerStateProvider();
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            Name = name,
            Fleet = fleet,
            FailureThreshold = 1,
            MinimumThroughput = 1,
            SlowCallDurationThreshold = null,
            BreakDuration = breakDuration,
            SuccessThreshold = successThreshold,
            StateProvider = StateProvider,
            OnStateChanged = args =>
            {
                lock (Transitions)
                {
                    Transitions.Add(args);
                }

                onStateChanged?.Invoke(args);
                return default;
            },
        };
        Pipeline = new ResiliencePipelineBuilder<int> { Name = "replica" }.AddSlowCallCircuitBreaker(options).Build();
    }

    public ResiliencePipeline<int> Pipeline { get; }

    public SlowCallCircuitBreakerStateProvider StateProvider { get; }

    public List<CircuitStateChangedArguments> Transitions { get; } = [];

    public CircuitState State => StateProvider.CircuitState;

    /// <summary>
    /// Gets whether the breaker is in <paramref name="state"/> and its OnStateChanged has run for it: a fleet transition has
    /// no call that waits for its listeners, so the state can be read a moment before the transition is heard.
    /// </summary>
    public bool IsHeardIn(CircuitState state) => State == state && TransitionsSoFar() is [.., { } last] && last.NewState == state;

    /// <summary>
    /// Gets whether the breaker is closed, or closes on a successful call now: after a fleet's half-open, every replica
    /// gets back to closed, told by the prober or (a replica that found Redis slow or silent when the break ended probes
    /// alone, F5, and then has no close to send) by probing once itself, as the next call of its own traffic would.
    /// </summary>
    public bool ClosesWithTraffic() => State == CircuitState.Closed || (Succeed().Exception is null && State == CircuitState.Closed);

    /// <summary>Gets how many calls the breaker let through to the dependency.</summary>
    public int Executed => Volatile.Read(ref _executed);

    /// <summary>Gets how many calls the breaker let through as half-open probes.</summary>
    public int Probes => Volatile.Read(ref _probes);

    public CircuitStateChangedArguments[] TransitionsSoFar()
    {
        lock (Transitions)
        {
            return [.. Transitions];
        }
    }

    public Outcome<int> Succeed() => Run(fail: false);

    public Outcome<int> Fail() => Run(fail: true);

    /// <summary>Runs one call whose dependency answers at once; asserts the breaker decided it without waiting on anything.</summary>
    public Outcome<int> Run(bool fail)
    {
        var pending = Pipeline.ExecuteOutcomeAsync(
            (_, state) =>
            {
                state.Count();
                return fail
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("the dependency failed"))
                    : Outcome.FromResultAsValueTask(42);
            },
            ResilienceContextPool.Shared.Get(),
            this);

        // A synchronous dependency makes a synchronous call: had the breaker waited on Redis, this would not hold.
        var completed = pending.IsCompleted;
        var outcome = pending.AsTask().GetAwaiter().GetResult();
        Assert.True(completed, "The call waited on something besides its dependency.");
        return outcome;
    }

    /// <summary>Runs one call whose dependency succeeds once <paramref name="gate"/> completes.</summary>
    public async Task<Outcome<int>> RunGatedAsync(Task gate)
        => await Pipeline.ExecuteOutcomeAsync(
            async (_, state) =>
            {
                state.Count();
                await gate;
                return Outcome.FromResult(42);
            },
            ResilienceContextPool.Shared.Get(),
            this);

    private void Count()
    {
        Interlocked.Increment(ref _executed);
        if (State == CircuitState.HalfOpen)
        {
            Interlocked.Increment(ref _probes);
        }
    }
}
