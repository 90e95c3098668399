using PollyBreakerExt;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// One replica's slow-call breaker (fails once to trip, one probe closes it) in its own pipeline, with every transition
/// it made and how many calls reached the dependency.
/// </summary>
public sealed class TestBreaker
{
    private int _executed;

    public TestBreaker(string name, ICircuitBreakerFleet? fleet, TimeSpan breakDuration, int successThreshold = 1)
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

                return default;
            },
        };
        Pipeline = new ResiliencePipelineBuilder<int> { Name = "replica" }.AddSlowCallCircuitBreaker(options).Build();
    }

    public ResiliencePipeline<int> Pipeline { get; }

    public SlowCallCircuitBreakerStateProvider StateProvider { get; }

    public List<CircuitStateChangedArguments> Transitions { get; } = [];

    public CircuitState State => StateProvider.CircuitState;

    /// <summary>Gets how many calls the breaker let through to the dependency.</summary>
    public int Executed => Volatile.Read(ref _executed);

    public CircuitStateChangedArguments[] TransitionsSoFar()
    {
        lock (Transitions)
        {
            return [.. Transitions];
        }
    }

    public Outcome<int> Succeed() => Run(fail: false);

    public Outcome<int> Fail() => Run(fail: true);

    public Outcome<int> Run(bool fail)
        => Pipeline.ExecuteOutcomeAsync(
            (_, state) =>
            {
                Interlocked.Increment(ref state._executed);
                return fail
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("the dependency failed"))
                    : Outcome.FromResultAsValueTask(42);
            },
            ResilienceContextPool.Shared.Get(),
            this).AsTask().GetAwaiter().GetResult();
}
