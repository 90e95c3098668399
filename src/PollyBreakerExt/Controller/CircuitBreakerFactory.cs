using Polly;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Builds a strategy's breakers from its options, as Polly's <c>CreateStrategy</c> does: one for an unkeyed strategy, one
/// per key on demand for a keyed one. The options are read once, when the pipeline is built, so every key's breaker has
/// the same ones even if the options object changes later.
/// </summary>
internal sealed class CircuitBreakerFactory<T>
{
    private readonly SlowCallCircuitBreakerStrategyOptions<T> _options;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly long _samplingDuration;
    private readonly long _slowCallThreshold;

    public CircuitBreakerFactory(SlowCallCircuitBreakerStrategyOptions<T> options, StrategyBuilderContext context)
    {
        _options = Snapshot(options);
        _telemetry = context.Telemetry;
        TimeProvider = CoarseSystemTimeProvider.For(context.TimeProvider, options.SlowCallDurationThreshold);
        Name = options.Name ?? SlowCallCircuitBreakerConstants.DefaultName;
        _samplingDuration = Timestamps.FromDuration(options.SamplingDuration, TimeProvider);
        _slowCallThreshold = options.SlowCallDurationThreshold is { } slow ? Math.Max(1, Timestamps.FromDuration(slow, TimeProvider)) : 0;
    }

    public string Name { get; }

    /// <summary>Gets the clock the breakers measure with.</summary>
    public TimeProvider TimeProvider { get; }

    public SlowCallCircuitBreakerStrategyOptions<T> Options => _options;

    /// <summary>
    /// Builds one breaker. The strategy's own (unkeyed, or a keyed strategy's default) takes its manual control, state
    /// provider and fleet as named and announces itself to registries; a key's breaker joins the fleet as
    /// <c>name/key</c>, starts isolated when <paramref name="startIsolated"/>, and is announced by the caller (<see cref="Announce"/>).
    /// </summary>
    public CircuitCallExecutor<T> Create(string? key, bool isStrategysOwn, bool startIsolated = false)
    {
        var options = _options;
        ISlidingWindow window = options.SlidingWindowType == SlidingWindowType.CountBased
            ? new CountBasedWindow(options.SlidingWindowSize, options.FailureThreshold)
            : new TimeBasedWindow(_samplingDuration, options.FailureThreshold);
        var health = new CircuitHealthPolicy(window, options.MinimumThroughput, options.FailureRatio, _slowCallThreshold, options.SlowCallRatio, options.CountInFlightSlowCalls, key is null ? InFlightCalls.DefaultCapacity : InFlightCalls.KeyedCapacity);
        var controller = new CircuitStateController<T>(
            Name,
            TimeProvider,
            _telemetry,
            health,
            new CircuitEventDispatcher<T>(Name, _telemetry, options, key),
            new BreakDurationSource<T>(options.BreakDuration, options.BreakDurationGenerator, _telemetry),
            options.SlowCallDurationThreshold,
            options.SuccessThreshold,
            isStrategysOwn && options.KeySelector is null ? options.ManualControl : null, // a keyed strategy's control drives the whole set
            options.ShadowMode,
            options.RecoveryRampUp,
            key);

        if (isStrategysOwn)
        {
            options.StateProvider?.Attach(controller);
            if (options.KeySelector is null && options.ManualControl?.Attach(controller) == true)
            {
                startIsolated = true;
            }
        }

        if (startIsolated)
        {
            controller.StartIsolated();
        }

        if (options.Fleet is { } fleet)
        {
            controller.JoinFleet(fleet, key is null ? Name : $"{Name}/{key}");
        }

        if (isStrategysOwn)
        {
            Announce(controller);
        }

        return new CircuitCallExecutor<T>(controller, options.ShouldHandle);
    }

    /// <summary>
    /// Announces a built breaker through the telemetry event <c>OnSlowCallCircuitBreakerCreated</c>, which is how registries,
    /// health checks, metrics and a container's fleet find it. <see cref="Create"/> does it for the strategy's own breaker; a
    /// key's breaker is announced by its keyed set once it is reachable and no lock is held, since listeners may run user code.
    /// </summary>
    public void Announce(SlowCallCircuitBreakerHandle breaker)
    {
        var resilienceContext = ResilienceContextPool.Shared.Get();
        _telemetry.Report(
            new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated),
            resilienceContext,
            new OnSlowCallCircuitBreakerCreatedArguments(breaker));
        ResilienceContextPool.Shared.Return(resilienceContext);
    }

    // A copy of what the breakers read later, when a new key comes: the user's options object may change after the build.
    private static SlowCallCircuitBreakerStrategyOptions<T> Snapshot(SlowCallCircuitBreakerStrategyOptions<T> options)
        => new()
        {
            Name = options.Name,
            SlidingWindowType = options.SlidingWindowType,
            SamplingDuration = options.SamplingDuration,
            SlidingWindowSize = options.SlidingWindowSize,
            MinimumThroughput = options.MinimumThroughput,
            FailureThreshold = options.FailureThreshold,
            FailureRatio = options.FailureRatio,
            SlowCallDurationThreshold = options.SlowCallDurationThreshold,
            CountInFlightSlowCalls = options.CountInFlightSlowCalls,
            SlowCallRatio = options.SlowCallRatio,
            BreakDuration = options.BreakDuration,
            RecoveryRampUp = options.RecoveryRampUp,
            BreakDurationGenerator = options.BreakDurationGenerator,
            SuccessThreshold = options.SuccessThreshold,
            ShouldHandle = options.ShouldHandle,
            ShadowMode = options.ShadowMode,
            OnOpened = options.OnOpened,
            OnClosed = options.OnClosed,
            OnHalfOpened = options.OnHalfOpened,
            OnStateChanged = options.OnStateChanged,
            ManualControl = options.ManualControl,
            StateProvider = options.StateProvider,
            Fleet = options.Fleet,
            KeySelector = options.KeySelector,
            MaxKeys = options.MaxKeys,
            KeyIdleTimeout = options.KeyIdleTimeout,
        };
}
