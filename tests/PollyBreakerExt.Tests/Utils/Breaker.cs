using PollyBreakerExt;

namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// A generic pipeline holding one slow-call breaker on a fake clock, with the transitions and telemetry it reported.
/// </summary>
internal sealed class Breaker
{
    /// <param name="options">The breaker's options.</param>
    /// <param name="time">The fake clock; a new one when null.</param>
    /// <param name="recordTransitions">
    /// Whether <see cref="Transitions"/> records them, through an OnStateChanged callback; off, a breaker without the
    /// test's callbacks has none, and raises its events without the queue (only telemetry listens).
    /// </param>
    public Breaker(SlowCallCircuitBreakerStrategyOptions<int> options, FakeTimeProvider? time = null, bool recordTransitions = true)
    {
        Time = time ?? new FakeTimeProvider();
        Options = options;
        options.StateProvider ??= new SlowCallCircuitBreakerStateProvider();
        var onStateChanged = options.OnStateChanged;
        if (recordTransitions)
        {
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
        }

        Pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = Time, TelemetryListener = Telemetry, Name = "test-pipeline" }
            .AddSlowCallCircuitBreaker(options)
            .Build();
    }

    public FakeTimeProvider Time { get; }

    public RecordingTelemetryListener Telemetry { get; } = new();

    public SlowCallCircuitBreakerStrategyOptions<int> Options { get; }

    public ResiliencePipeline<int> Pipeline { get; }

    public List<CircuitStateChangedArguments> Transitions { get; } = [];

    public CircuitState State => Options.StateProvider!.CircuitState;

    public CircuitMetrics Metrics => Options.StateProvider!.Metrics;

    public Outcome<int> Succeed(TimeSpan duration = default) => Run(duration, fail: false);

    public Outcome<int> Fail(TimeSpan duration = default) => Run(duration, fail: true);

    /// <summary>Runs one call that takes <paramref name="duration"/> on the fake clock.</summary>
    public Outcome<int> Run(TimeSpan duration, bool fail)
        => RunAsync(_ =>
        {
            Time.Advance(duration);
            return fail
                ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))
                : Outcome.FromResultAsValueTask(42);
        }).AsTask().GetAwaiter().GetResult();

    public async ValueTask<Outcome<int>> RunAsync(Func<ResilienceContext, ValueTask<Outcome<int>>> callback, CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await Pipeline.ExecuteOutcomeAsync((ctx, cb) => cb(ctx), context, callback);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Advance(TimeSpan by) => Time.Advance(by);

    public void AdvanceTicks(long ticks) => Time.Advance(TimeSpan.FromTicks(ticks));

    public List<(CircuitState From, CircuitState To, CircuitTransitionReason Reason)> TransitionSummary()
    {
        lock (Transitions)
        {
            return Transitions.Select(t => (t.PreviousState, t.NewState, t.Reason)).ToList();
        }
    }

    /// <summary>Options with every trip condition off but the ones a test turns on.</summary>
    public static SlowCallCircuitBreakerStrategyOptions<int> NewOptions(
        int? failureThreshold = null,
        double? failureRatio = null,
        TimeSpan? slowCallDurationThreshold = null,
        double slowCallRatio = 0.5,
        int minimumThroughput = 10,
        SlidingWindowType windowType = SlidingWindowType.TimeBased,
        int slidingWindowSize = 100,
        TimeSpan? samplingDuration = null,
        TimeSpan? breakDuration = null,
        int successThreshold = 2)
        => new()
        {
            FailureThreshold = failureThreshold,
            FailureRatio = failureRatio,
            SlowCallDurationThreshold = slowCallDurationThreshold,
            SlowCallRatio = slowCallRatio,
            MinimumThroughput = minimumThroughput,
            SlidingWindowType = windowType,
            SlidingWindowSize = slidingWindowSize,
            SamplingDuration = samplingDuration ?? TimeSpan.FromSeconds(60),
            BreakDuration = breakDuration ?? TimeSpan.FromSeconds(30),
            SuccessThreshold = successThreshold,
        };
}
