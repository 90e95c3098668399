using PollyBreakerExt;

namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// A generic pipeline holding one slow-call breaker on a fake clock, with the transitions it reported.
/// </summary>
internal sealed class Breaker
{
    public Breaker(SlowCallCircuitBreakerStrategyOptions<int> options, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider();
        Options = options;
        options.StateProvider ??= new SlowCallCircuitBreakerStateProvider();
        var onStateChanged = options.OnStateChanged;
        options.OnStateChanged = async args =>
        {
            lock (Transitions)
            {
                Transitions.Add(args);
            }

            if (onStateChanged is not null)
            {
                await onStateChanged(args);
            }
        };

        Pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = Time }
            .AddSlowCallCircuitBreaker(options)
            .Build();
    }

    public FakeTimeProvider Time { get; }

    public SlowCallCircuitBreakerStrategyOptions<int> Options { get; }

    public ResiliencePipeline<int> Pipeline { get; }

    public List<CircuitStateChangedArguments> Transitions { get; } = [];

    public CircuitState State => Options.StateProvider!.CircuitState;

    public CircuitMetrics Metrics => Options.StateProvider!.Metrics;

    public Outcome<int> Succeed(TimeSpan duration = default) => Run(duration, fail: false);

    public Outcome<int> Fail(TimeSpan duration = default) => Run(duration, fail: true);

    /// <summary>Runs one call that takes <paramref name="duration"/> on the fake clock.</summary>
    public Outcome<int> Run(TimeSpan duration, bool fail)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            return Pipeline.ExecuteOutcomeAsync(
                (_, _) =>
                {
                    Time.Advance(duration);
                    return fail
                        ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))
                        : Outcome.FromResultAsValueTask(42);
                },
                context,
                0).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Advance(TimeSpan by) => Time.Advance(by);

    public IEnumerable<(CircuitState From, CircuitState To, CircuitTransitionReason Reason)> TransitionSummary()
        => Transitions.Select(t => (t.PreviousState, t.NewState, t.Reason));
}
