namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// A generic pipeline holding one keyed slow-call breaker on a fake clock: calls say their key through a context property.
/// </summary>
internal sealed class KeyedBreaker
{
    public static readonly ResiliencePropertyKey<string?> TenantKey = new("tenant");

    public KeyedBreaker(SlowCallCircuitBreakerStrategyOptions<int> options, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider();
        Options = options;
        options.KeySelector ??= static context => context.Properties.GetValue(TenantKey, null);
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

        Pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = Time, TelemetryListener = Telemetry, Name = "test-pipeline" }
            .AddSlowCallCircuitBreaker(options)
            .Build();
    }

    public FakeTimeProvider Time { get; }

    public RecordingTelemetryListener Telemetry { get; } = new();

    public SlowCallCircuitBreakerStrategyOptions<int> Options { get; }

    public ResiliencePipeline<int> Pipeline { get; }

    public List<CircuitStateChangedArguments> Transitions { get; } = [];

    public SlowCallCircuitBreakerStateProvider Provider => Options.StateProvider!;

    /// <summary>Gets the strategy's breakers, as the state provider reaches them.</summary>
    public IKeyedCircuitBreakers Keys => Provider.Keys!;

    public CircuitState State(string? key) => Provider.GetCircuitState(key);

    public Outcome<int> Succeed(string? key) => Run(key, fail: false);

    public Outcome<int> Fail(string? key) => Run(key, fail: true);

    public Outcome<int> Run(string? key, bool fail)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            context.Properties.Set(TenantKey, key);
            return Pipeline.ExecuteOutcomeAsync(
                static (_, fail) => fail
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))
                    : Outcome.FromResultAsValueTask(42),
                context,
                fail).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Opens the breaker of <paramref name="key"/>: options from <see cref="Breaker.NewOptions"/> with a failure threshold.</summary>
    public void Open(string key)
    {
        for (var i = 0; i < Options.FailureThreshold && State(key) == CircuitState.Closed; i++)
        {
            Fail(key);
        }

        Assert.Equal(CircuitState.Open, State(key));
    }
}
