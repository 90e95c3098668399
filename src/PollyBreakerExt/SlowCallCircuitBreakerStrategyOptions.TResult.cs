using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Options of the slow-call circuit breaker.
/// </summary>
/// <typeparam name="TResult">The type of result the breaker handles.</typeparam>
/// <remarks>
/// The breaker opens when any enabled condition holds after a recorded call: at least <see cref="FailureThreshold"/>
/// failures in the window; or at least <see cref="MinimumThroughput"/> calls and a failure ratio of at least
/// <see cref="FailureRatio"/>; or at least <see cref="MinimumThroughput"/> calls and a slow-call ratio of at least
/// <see cref="SlowCallRatio"/>. Options are validated when the breaker is added to a pipeline.
/// </remarks>
public class SlowCallCircuitBreakerStrategyOptions<TResult> : ResilienceStrategyOptions, IValidatableObject
{
    internal const int MaxWindowCapacity = 1_000_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>
    /// Initializes a new instance of the <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}"/> class.
    /// </summary>
    public SlowCallCircuitBreakerStrategyOptions() => Name = SlowCallCircuitBreakerConstants.DefaultName;

    /// <summary>
    /// Gets or sets how the sliding window holds recorded calls. Defaults to <see cref="SlidingWindowType.TimeBased"/>.
    /// </summary>
    public SlidingWindowType SlidingWindowType { get; set; } = SlidingWindowType.TimeBased;

    /// <summary>
    /// Gets or sets the length of a time-based window: a call counts while it completed at most this long ago.
    /// Defaults to 60 seconds. Allowed: more than zero, at most one day.
    /// </summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the size of a count-based window: the last this many recorded calls. Defaults to 100.
    /// Allowed: 1 to 1,000,000.
    /// </summary>
    public int SlidingWindowSize { get; set; } = 100;

    /// <summary>
    /// Gets or sets how many calls the window must hold before a ratio can open the circuit. Defaults to 10.
    /// It does not apply to <see cref="FailureThreshold"/>. Allowed: 1 to 1,000,000.
    /// </summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>
    /// Gets or sets the number of failures in the window that opens the circuit; <see langword="null"/> turns this condition off.
    /// Defaults to 5. Allowed: 1 to 1,000,000.
    /// </summary>
    public int? FailureThreshold { get; set; } = 5;

    /// <summary>
    /// Gets or sets the failure ratio (failures / calls) that opens the circuit once the window holds
    /// <see cref="MinimumThroughput"/> calls; <see langword="null"/> turns this condition off. Defaults to <see langword="null"/>.
    /// Allowed: more than 0, at most 1.
    /// </summary>
    public double? FailureRatio { get; set; }

    /// <summary>
    /// Gets or sets the duration at or above which a call is slow; <see langword="null"/> turns slow-call detection off.
    /// Defaults to 10 seconds. Allowed: more than zero, at most one day.
    /// </summary>
    /// <remarks>The duration is measured with the pipeline's <see cref="TimeProvider"/>, from admission to completion.</remarks>
    public TimeSpan? SlowCallDurationThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets whether a call still running for <see cref="SlowCallDurationThreshold"/> counts, from then on, as a call
    /// and a slow call in the window and in the metrics, before it finishes. Defaults to <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// A dependency that hangs then trips the breaker while its calls are still hanging: running calls are judged at the
    /// next admission or completion, and the admission that finds a trip condition true opens the circuit and is itself
    /// rejected. A half-open probe running past the threshold reopens the circuit at the next admission
    /// (<see cref="CircuitTransitionReason.HalfOpenProbeSlow"/>). A hung call is recorded once, when it ends. No timer runs;
    /// it has no effect while <see cref="SlowCallDurationThreshold"/> is <see langword="null"/>.
    /// </remarks>
    public bool CountInFlightSlowCalls { get; set; } = true;

    /// <summary>
    /// Gets or sets the slow-call ratio (slow calls / calls) that opens the circuit once the window holds
    /// <see cref="MinimumThroughput"/> calls. Defaults to 0.5. Allowed: more than 0, at most 1.
    /// </summary>
    public double SlowCallRatio { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets how long the circuit stays open before a call may probe it. Defaults to 30 seconds.
    /// Allowed: more than zero, at most one day.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long, after the circuit closes from half-open, it admits only a share of calls that rises linearly
    /// from the share the half-open probes let through to all of them; it rejects the rest at once, with
    /// <see cref="BrokenCircuitException"/> (whose <c>RetryAfter</c> is the time left in the ramp) and an
    /// <c>OnCircuitRejected</c> event whose <see cref="OnCircuitRejectedArguments.IsRecoveryRamp"/> is set. So a backend that
    /// just came back is not hit by every client's full traffic at once. The window's trip rules hold during the ramp.
    /// Defaults to <see langword="null"/>: off. Allowed: <see langword="null"/>, or more than zero and at most one day.
    /// </summary>
    /// <remarks>
    /// The share is admitted by a running credit, not at random: with a share of one in four, every fourth call runs. A
    /// manual or fleet close, and an opening, end the ramp.
    /// </remarks>
    public TimeSpan? RecoveryRampUp { get; set; }

    /// <summary>
    /// Gets or sets the function that picks, for each call, the key of the breaker it goes through: each key gets a breaker
    /// of its own, built on demand with these options (its own window, state, half-open probes and ramp).
    /// <see langword="null"/> (the default) keeps one breaker for every call. A selector that returns <see langword="null"/>
    /// sends the call through one shared default breaker. It cannot be bound from configuration.
    /// </summary>
    /// <remarks>
    /// Keep the number of keys bounded by what they name (tenants, hosts, regions): closed breakers are forgotten beyond
    /// <see cref="MaxKeys"/> and after <see cref="KeyIdleTimeout"/>, but open, half-open and isolated ones are kept, so
    /// <see cref="MaxKeys"/> is a soft cap. The selector runs on every call, before admission: it must be quick and must not
    /// throw (an exception is the call's outcome, and the call is not recorded). See docs/design.md, "Keyed breakers".
    /// </remarks>
    public Func<ResilienceContext, string?>? KeySelector { get; set; }

    /// <summary>
    /// Gets or sets how many keyed breakers are kept: beyond it, the least recently used closed breakers are forgotten. A
    /// forgotten key comes back as a fresh, closed breaker. Defaults to 10,000. Allowed: at least 1.
    /// </summary>
    /// <remarks>
    /// A soft cap: open, half-open, isolated and ramping (<see cref="RecoveryRampUp"/>) breakers are never forgotten, so more may be kept while that many keys are
    /// not closed. The shared default breaker (a <see langword="null"/> key) is not counted and never forgotten. Unused
    /// without <see cref="KeySelector"/>.
    /// </remarks>
    public int MaxKeys { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how long a closed keyed breaker may go unused before it is forgotten. Defaults to 10 minutes.
    /// Allowed: more than zero, or <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> for never.
    /// </summary>
    /// <remarks>
    /// Measured with the pipeline's <see cref="TimeProvider"/> and checked by a timer of that provider every tenth of this
    /// timeout (at most once a day), so a key is forgotten between one and 1.1 timeouts after its last call. Open, half-open,
    /// isolated and ramping (<see cref="RecoveryRampUp"/>) breakers are never forgotten. Unused without <see cref="KeySelector"/>.
    /// </remarks>
    public TimeSpan? KeyIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets a function that chooses each break's duration, overriding <see cref="BreakDuration"/>.
    /// </summary>
    /// <remarks>
    /// The circuit opens at once; the generator, run outside the breaker's lock, only decides how long the break lasts,
    /// counted from the opening, and calls are rejected while it runs. The opening's callbacks run once it has answered.
    /// A result beyond one day is taken as one day; a negative result, a generator that throws, or one that has not
    /// answered after <see cref="BreakDuration"/> means <see cref="BreakDuration"/> (failures are reported through telemetry).
    /// Half-open probes that never finish stop holding their slots after <see cref="BreakDuration"/>, never after a generated break.
    /// <see cref="BreakDurationGeneratorArguments.HalfOpenAttempts"/> counts the probes that reopened the circuit since it last closed.
    /// </remarks>
    public Func<BreakDurationGeneratorArguments, ValueTask<TimeSpan>>? BreakDurationGenerator { get; set; }

    /// <summary>
    /// Gets or sets how many fast successful probes close a half-open circuit; it is also how many probes may run at once.
    /// Defaults to 2. Allowed: 1 to 1,000.
    /// </summary>
    public int SuccessThreshold { get; set; } = 2;

    /// <summary>
    /// Gets or sets the predicate that decides whether an outcome is a failure.
    /// Defaults to every exception, an <see cref="OperationCanceledException"/> that is not the caller's included (an
    /// <c>HttpClient</c> timeout is one: a timeout is a failure).
    /// </summary>
    /// <remarks>
    /// Calls that end in <see cref="OperationCanceledException"/> while the caller's token is cancelled are ignored before
    /// this predicate runs. If the predicate throws, the call is recorded as a failure and the predicate's exception
    /// becomes the call's outcome.
    /// </remarks>
    public Func<CircuitBreakerPredicateArguments<TResult>, ValueTask<bool>> ShouldHandle { get; set; } = DefaultShouldHandle<TResult>.Predicate;

    /// <summary>
    /// Gets or sets whether the breaker only watches: it records, transitions, raises every callback and emits all
    /// telemetry as usual, but never rejects. Defaults to <see langword="false"/>.
    /// </summary>
    /// <remarks>
    /// A call it would have rejected runs anyway, is not recorded, and its <c>OnCircuitRejected</c> telemetry event has
    /// <see cref="OnCircuitRejectedArguments.IsShadow"/> set. Deploy a new breaker in shadow, watch what it would have
    /// done, then enforce it.
    /// </remarks>
    public bool ShadowMode { get; set; }

    /// <summary>Gets or sets a callback run when the circuit opens or is isolated.</summary>
    public Func<OnCircuitOpenedArguments<TResult>, ValueTask>? OnOpened { get; set; }

    /// <summary>Gets or sets a callback run when the circuit closes.</summary>
    public Func<OnCircuitClosedArguments<TResult>, ValueTask>? OnClosed { get; set; }

    /// <summary>Gets or sets a callback run when the circuit becomes half-open.</summary>
    public Func<OnCircuitHalfOpenedArguments, ValueTask>? OnHalfOpened { get; set; }

    /// <summary>Gets or sets a callback run on every transition, after the state-specific callback, with the reason.</summary>
    public Func<CircuitStateChangedArguments, ValueTask>? OnStateChanged { get; set; }

    /// <summary>Gets or sets a control that can isolate and close this breaker by hand. One control may drive several breakers.</summary>
    public SlowCallCircuitBreakerManualControl? ManualControl { get; set; }

    /// <summary>Gets or sets a provider that reads this breaker's state and metrics. A provider serves one breaker.</summary>
    public SlowCallCircuitBreakerStateProvider? StateProvider { get; set; }

    /// <summary>
    /// Gets or sets the fleet this breaker shares its transitions with, across replicas; <see langword="null"/> (the
    /// default) keeps it alone. The breaker joins under its <see cref="ResilienceStrategyOptions.Name"/>.
    /// </summary>
    /// <remarks>In a container, a registered fleet also takes in breakers built without this option, under their registry key.</remarks>
    public ICircuitBreakerFleet? Fleet { get; set; }

    /// <inheritdoc/>
    [SuppressMessage("Design", "CA1033:Interface methods should be callable by child types", Justification = "Validation is run by Polly's builder.")]
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        var errors = new List<ValidationResult>();

        void Error(string message, params string[] members) => errors.Add(new ValidationResult(message, members));

        // Checked here rather than with [Required]: a failed attribute would stop this method, hiding every other error.
        if (ShouldHandle is null)
        {
            Error("ShouldHandle is required.", nameof(ShouldHandle));
        }

        if (!Enum.IsDefined(SlidingWindowType))
        {
            Error($"SlidingWindowType must be TimeBased or CountBased (was {(int)SlidingWindowType}).", nameof(SlidingWindowType));
        }

        if (SamplingDuration <= TimeSpan.Zero || SamplingDuration > MaxDuration)
        {
            Error($"SamplingDuration must be more than zero and at most one day (was {SamplingDuration}).", nameof(SamplingDuration));
        }

        if (SlidingWindowSize is < 1 or > MaxWindowCapacity)
        {
            Error($"SlidingWindowSize must be between 1 and {MaxWindowCapacity} (was {SlidingWindowSize}).", nameof(SlidingWindowSize));
        }

        if (Name is not null && string.IsNullOrWhiteSpace(Name))
        {
            Error($"Name must not be empty or blank (was '{Name}'): the registry, the fleet and dashboards know breakers by it.", nameof(Name));
        }

        if (MinimumThroughput is < 1 or > MaxWindowCapacity)
        {
            Error($"MinimumThroughput must be between 1 and {MaxWindowCapacity} (was {MinimumThroughput}).", nameof(MinimumThroughput));
        }

        if (FailureThreshold is < 1 or > MaxWindowCapacity)
        {
            Error($"FailureThreshold must be null or between 1 and {MaxWindowCapacity} (was {FailureThreshold}).", nameof(FailureThreshold));
        }

        if (FailureRatio is { } ratio && !IsValidRatio(ratio))
        {
            Error($"FailureRatio must be null or more than 0 and at most 1 (was {ratio}).", nameof(FailureRatio));
        }

        if (SlowCallDurationThreshold is { } slow && (slow <= TimeSpan.Zero || slow > MaxDuration))
        {
            Error($"SlowCallDurationThreshold must be null or more than zero and at most one day (was {slow}).", nameof(SlowCallDurationThreshold));
        }

        if (!IsValidRatio(SlowCallRatio))
        {
            Error($"SlowCallRatio must be more than 0 and at most 1 (was {SlowCallRatio}).", nameof(SlowCallRatio));
        }

        if (BreakDuration <= TimeSpan.Zero || BreakDuration > MaxDuration)
        {
            Error($"BreakDuration must be more than zero and at most one day (was {BreakDuration}).", nameof(BreakDuration));
        }

        if (RecoveryRampUp is { } ramp && (ramp <= TimeSpan.Zero || ramp > MaxDuration))
        {
            Error($"RecoveryRampUp must be null or more than zero and at most one day (was {ramp}).", nameof(RecoveryRampUp));
        }

        if (MaxKeys < 1)
        {
            Error($"MaxKeys must be at least 1 (was {MaxKeys}).", nameof(MaxKeys));
        }

        if (KeyIdleTimeout is { } idle && idle <= TimeSpan.Zero && idle != Timeout.InfiniteTimeSpan)
        {
            Error($"KeyIdleTimeout must be null, infinite or more than zero (was {idle}).", nameof(KeyIdleTimeout));
        }

        if (SuccessThreshold is < 1 or > 1000)
        {
            Error($"SuccessThreshold must be between 1 and 1000 (was {SuccessThreshold}).", nameof(SuccessThreshold));
        }

        if (FailureThreshold is null && FailureRatio is null && SlowCallDurationThreshold is null)
        {
            Error(
                "No trip condition is enabled: set FailureThreshold, FailureRatio or SlowCallDurationThreshold.",
                nameof(FailureThreshold),
                nameof(FailureRatio),
                nameof(SlowCallDurationThreshold));
        }

        if (SlidingWindowType == SlidingWindowType.CountBased)
        {
            if (MinimumThroughput > SlidingWindowSize)
            {
                Error(
                    $"MinimumThroughput ({MinimumThroughput}) must not exceed SlidingWindowSize ({SlidingWindowSize}) with a count-based window: the window could never hold enough calls.",
                    nameof(MinimumThroughput),
                    nameof(SlidingWindowSize));
            }

            if (FailureThreshold > SlidingWindowSize)
            {
                Error(
                    $"FailureThreshold ({FailureThreshold}) must not exceed SlidingWindowSize ({SlidingWindowSize}) with a count-based window: the window could never hold enough failures.",
                    nameof(FailureThreshold),
                    nameof(SlidingWindowSize));
            }
        }

        return errors;
    }

    // Written so that NaN fails.
    private static bool IsValidRatio(double ratio) => ratio > 0 && ratio <= 1;
}
