using System.Runtime.CompilerServices;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// The breaker: its state machine, its window and the execution of calls through it.
/// </summary>
/// <remarks>
/// All state lives behind <see cref="_lock"/>, which is never held while user code runs. Two reads are lock-free on
/// purpose: a closed circuit admits without the lock, and an open one rejects without it while the break lasts.
/// </remarks>
internal sealed class CircuitStateController<T> : SlowCallCircuitBreakerHandle, IDisposable
{
    private static readonly TimeSpan MaxBreakDuration = TimeSpan.FromDays(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly ISlidingWindow _window;
    private readonly Func<CircuitBreakerPredicateArguments<T>, ValueTask<bool>> _shouldHandle;
    private readonly bool _usesDefaultShouldHandle;
    private readonly Func<BreakDurationGeneratorArguments, ValueTask<TimeSpan>>? _breakDurationGenerator;
    private readonly TimeSpan _breakDuration;
    private readonly int _minimumThroughput;
    private readonly double? _failureRatio;
    private readonly double _slowCallRatio;
    private readonly TimeSpan? _slowCallThreshold;
    private readonly long _slowCallThresholdTimestamp; // 0 when slow-call detection is off
    private readonly bool _readsClockOnCompletion;
    private readonly int _successThreshold;
    private readonly string _openMessage;
    private readonly string _halfOpenMessage;
    private readonly string _isolatedMessage;
    private readonly SlowCallCircuitBreakerManualControl? _manualControl;
    private CircuitBreakerFleetMember? _fleetMember;
    private ICircuitBreakerFleet? _fleet; // read without the lock on transitions and break ends; written once, under it

    private volatile CircuitState _state = CircuitState.Closed;
    private long _blockedUntil; // open: when a probe may pass; half-open: when stuck probes stop counting
    private TimeSpan _currentBreakDuration;
    private Exception? _breakingException;
    private int _epoch; // bumped on every state change, so a late opening can tell it is stale
    private int _halfOpenGeneration;
    private int _probesInFlight;
    private int _probeSuccesses;
    private int _halfOpenAttempts;
    private bool _openingPending;
    private bool _disposed;

    public CircuitStateController(SlowCallCircuitBreakerStrategyOptions<T> options, TimeProvider timeProvider, ResilienceStrategyTelemetry telemetry)
    {
        BreakerName = options.Name ?? SlowCallCircuitBreakerConstants.DefaultName;
        _timeProvider = timeProvider;
        _telemetry = telemetry;
        _window = options.SlidingWindowType == SlidingWindowType.CountBased
            ? new CountBasedWindow(options.SlidingWindowSize, options.FailureThreshold)
            : new TimeBasedWindow(ToTimestamp(options.SamplingDuration), options.FailureThreshold);
        _shouldHandle = options.ShouldHandle;
        _usesDefaultShouldHandle = ReferenceEquals(options.ShouldHandle, DefaultShouldHandle<T>.Predicate);
        _breakDurationGenerator = options.BreakDurationGenerator;
        _breakDuration = options.BreakDuration;
        _currentBreakDuration = options.BreakDuration;
        _minimumThroughput = options.MinimumThroughput;
        _failureRatio = options.FailureRatio;
        _slowCallRatio = options.SlowCallRatio;
        _slowCallThreshold = options.SlowCallDurationThreshold;
        _slowCallThresholdTimestamp = options.SlowCallDurationThreshold is { } slow ? Math.Max(1, ToTimestamp(slow)) : 0;
        _readsClockOnCompletion = _slowCallThresholdTimestamp != 0 || options.SlidingWindowType == SlidingWindowType.TimeBased;
        _successThreshold = options.SuccessThreshold;
        _openMessage = $"The circuit breaker '{BreakerName}' is open; calls are rejected until the break ends.";
        _halfOpenMessage = $"The circuit breaker '{BreakerName}' is half-open and its {_successThreshold} probe(s) are running; other calls are rejected.";
        _isolatedMessage = $"The circuit breaker '{BreakerName}' is isolated; calls are rejected until it is closed by hand.";
        Events = new CircuitEventDispatcher<T>(BreakerName, telemetry, options);

        options.StateProvider?.Attach(this);
        _manualControl = options.ManualControl;
        if (_manualControl?.Attach(this) == true)
        {
            _state = CircuitState.Isolated;
            _blockedUntil = long.MaxValue;
        }

        if (options.Fleet is { } fleet)
        {
            JoinFleet(fleet, BreakerName);
        }
    }

    public string BreakerName { get; }

    public override string Name => BreakerName;

    public CircuitEventDispatcher<T> Events { get; }

    public override event Action<CircuitStateChangedArguments>? StateChanged
    {
        add => Events.StateChanged += value;
        remove => Events.StateChanged -= value;
    }

    public override CircuitState CircuitState => _state;

    public override CircuitMetrics Metrics
    {
        get
        {
            lock (_lock)
            {
                return _window.GetCounts(_timeProvider.GetTimestamp()).ToMetrics();
            }
        }
    }

    public override TimeSpan? RetryAfter
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitState.Open ? TimeLeft(_timeProvider.GetTimestamp()) : null;
            }
        }
    }

    public override bool IsDisposed => Volatile.Read(ref _disposed);

    public override CircuitBreakerFleetMember? FleetMember => Volatile.Read(ref _fleetMember);

    /// <summary>Gets the half-open probes of the current episode still running; read by the reliability tests.</summary>
    internal int ProbesInFlight
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitState.HalfOpen ? _probesInFlight : 0;
            }
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _manualControl?.Detach(this);
        if (FleetMember is { } member)
        {
            _fleet!.Leave(member);
        }
    }

    public override bool JoinFleet(ICircuitBreakerFleet fleet, string key)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        lock (_lock)
        {
            if (_fleet is not null || IsDisposed)
            {
                return false;
            }

            _fleetMember = new CircuitBreakerFleetMember(key, this, _successThreshold);
            Volatile.Write(ref _fleet, fleet);
        }

        Events.SetFleet(fleet, _fleetMember);
        fleet.Join(_fleetMember);
        return true;
    }

    /// <summary>Runs one call through the breaker.</summary>
    public ValueTask<Outcome<TResult>> ExecuteAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        if (!TryEnter(context, out var permit, out var rejection, out var raiseEvents))
        {
            return new(Outcome.FromException<TResult>(rejection));
        }

        if (raiseEvents)
        {
            return ExecuteAfterEventsAsync(callback, context, state, permit);
        }

        var pending = Invoke(callback, context, state);

        // The hot path: a synchronous callback is completed synchronously, without allocating.
        return pending.IsCompletedSuccessfully
            ? Complete(pending.Result, context, permit)
            : CompleteAsync(pending, context, permit);
    }

    public override Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        lock (_lock)
        {
            if (_state != CircuitState.Isolated)
            {
                _blockedUntil = long.MaxValue;
                Transition_NeedsLock(CircuitState.Isolated, CircuitTransitionReason.Manual, null, Outcome.FromResult<T>(default!), context);
            }
        }

        // The context is not returned to the pool: a transition queued here may still be read by a drainer.
        return Events.DispatchAsync(context).AsTask();
    }

    public override Task CloseAsync(CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        lock (_lock)
        {
            Close_NeedsLock(CircuitTransitionReason.Manual, Outcome.FromResult<T>(default!), context);
        }

        return Events.DispatchAsync(context).AsTask();
    }

    internal override Task OpenFromFleetAsync(TimeSpan remainingBreak, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        remainingBreak = remainingBreak < TimeSpan.Zero ? TimeSpan.Zero : remainingBreak > MaxBreakDuration ? MaxBreakDuration : remainingBreak;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            var until = AddSaturating(now, ToTimestamp(remainingBreak));
            switch (_state)
            {
                case CircuitState.Isolated:
                    break;
                case CircuitState.Open:
                    _blockedUntil = Math.Max(_blockedUntil, until);
                    break;
                default:
                    // Half-open probes wait a whole BreakDuration before they count as stuck, however little of the fleet's break is left.
                    _currentBreakDuration = _breakDuration;
                    _blockedUntil = until;
                    Volatile.Write(ref _breakingException, null);
                    Transition_NeedsLock(CircuitState.Open, CircuitTransitionReason.Fleet, remainingBreak, Outcome.FromResult<T>(default!), context);
                    break;
            }
        }

        return Events.DispatchAsync(context).AsTask();
    }

    internal override Task CloseFromFleetAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        lock (_lock)
        {
            if (_state is CircuitState.Open or CircuitState.HalfOpen)
            {
                Close_NeedsLock(CircuitTransitionReason.Fleet, Outcome.FromResult<T>(default!), context);
            }
        }

        return Events.DispatchAsync(context).AsTask();
    }

    private static bool IsCancelledByCaller(Exception? exception, ResilienceContext context)
        => exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested;

    private static ValueTask<Outcome<TResult>> Invoke<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        try
        {
            return callback(context, state);
        }
#pragma warning disable CA1031 // The callback's exception is its outcome, as everywhere in Polly.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new(Outcome.FromException<TResult>(exception));
        }
    }

    private static Outcome<T> AsOutcomeOfT<TResult>(in Outcome<TResult> outcome)
    {
        if (typeof(TResult) == typeof(T))
        {
            return Unsafe.As<Outcome<TResult>, Outcome<T>>(ref Unsafe.AsRef(in outcome));
        }

        // Non-generic pipelines: only reached for a custom predicate or a transition, never on the default hot path.
        return outcome.Exception is { } exception
            ? Outcome.FromException<T>(exception)
            : Outcome.FromResult((T)(object)outcome.Result!);
    }

    private bool TryEnter(ResilienceContext context, out Permit permit, out Exception rejection, out bool raiseEvents)
    {
        raiseEvents = false;
        rejection = null!;
        var state = _state;
        if (state == CircuitState.Closed)
        {
            permit = new(_slowCallThresholdTimestamp != 0 ? _timeProvider.GetTimestamp() : 0, 0);
            return true;
        }

        var now = _timeProvider.GetTimestamp();
        permit = new(now, 0);

        // _blockedUntil is written before _state, so an open state read above comes with its own deadline or a later one.
        if (state == CircuitState.Open && now < Volatile.Read(ref _blockedUntil))
        {
            rejection = Reject(CircuitState.Open, context, now);
            return false;
        }

        if (state == CircuitState.Open && Volatile.Read(ref _fleet) is { } fleet && !MayProbe(fleet, now))
        {
            rejection = Reject(CircuitState.Open, context, now);
            return false;
        }

        lock (_lock)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;

                case CircuitState.Open when now >= _blockedUntil:
                    _halfOpenAttempts++;
                    StartProbing_NeedsLock(now);
                    Transition_NeedsLock(CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed, null, Outcome.FromResult<T>(default!), context);
                    permit = new(now, _halfOpenGeneration);
                    raiseEvents = true;
                    return true;

                case CircuitState.HalfOpen when _probesInFlight < _successThreshold:
                    _probesInFlight++;
                    permit = new(now, _halfOpenGeneration);
                    return true;

                case CircuitState.HalfOpen when now >= _blockedUntil:
                    // The probes of this episode have run for a whole break without finishing: stop waiting for them.
                    StartProbing_NeedsLock(now);
                    permit = new(now, _halfOpenGeneration);
                    return true;

                default:
                    state = _state;
                    break;
            }
        }

        rejection = Reject(state, context, now);
        return false;
    }

    /// <summary>Asks the fleet, outside the lock, whether this replica may probe; if not, the break is extended by what it says.</summary>
    private bool MayProbe(ICircuitBreakerFleet fleet, long now)
    {
        if (fleet.TryBeginProbing(_fleetMember!, out var retryAfter))
        {
            return true;
        }

        lock (_lock)
        {
            if (_state == CircuitState.Open && _blockedUntil <= now)
            {
                _blockedUntil = AddSaturating(now, Math.Max(1, ToTimestamp(retryAfter)));
            }
        }

        return false;
    }

    private BrokenCircuitException Reject(CircuitState state, ResilienceContext context, long now)
    {
        BrokenCircuitException exception;
        TimeSpan? retryAfter = null;
        if (state == CircuitState.Isolated)
        {
            exception = new IsolatedCircuitException(_isolatedMessage);
        }
        else
        {
            retryAfter = TimeLeft(now);
            var message = state == CircuitState.Open ? _openMessage : _halfOpenMessage;
            var inner = Volatile.Read(ref _breakingException);
            exception = inner is null
                ? new BrokenCircuitException(message, retryAfter.Value)
                : new BrokenCircuitException(message, retryAfter.Value, inner);
        }

        _telemetry.SetTelemetrySource(exception);
        _telemetry.Report(
            new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnCircuitRejected),
            context,
            new OnCircuitRejectedArguments(BreakerName, state, retryAfter, isShadow: false));
        return exception;
    }

    private TimeSpan TimeLeft(long now)
    {
        var blockedUntil = Volatile.Read(ref _blockedUntil);
        return blockedUntil <= now ? TimeSpan.Zero : _timeProvider.GetElapsedTime(now, blockedUntil);
    }

    private async ValueTask<Outcome<TResult>> ExecuteAfterEventsAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state,
        Permit permit)
    {
        await Events.DispatchAsync(context).ConfigureAwait(context.ContinueOnCapturedContext);

        return await CompleteAsync(Invoke(callback, context, state), context, permit).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    private async ValueTask<Outcome<TResult>> CompleteAsync<TResult>(ValueTask<Outcome<TResult>> pending, ResilienceContext context, Permit permit)
    {
        Outcome<TResult> outcome;
        try
        {
            outcome = await pending.ConfigureAwait(context.ContinueOnCapturedContext);
        }
#pragma warning disable CA1031 // The callback's exception is its outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            outcome = Outcome.FromException<TResult>(exception);
        }

        return await Complete(outcome, context, permit).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    /// <summary>
    /// Classifies and records a finished call. Synchronous unless the predicate or a transition is not, so a custom
    /// predicate that answers at once costs no state machine.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // Keeps the default hot path a single frame, as it was inline in ExecuteAsync.
    private ValueTask<Outcome<TResult>> Complete<TResult>(Outcome<TResult> outcome, ResilienceContext context, Permit permit)
    {
        CallClassification classification;
        if (IsCancelledByCaller(outcome.Exception, context))
        {
            classification = CallClassification.Ignored;
        }
        else if (_usesDefaultShouldHandle)
        {
            classification = DefaultShouldHandle<T>.IsFailure(outcome.Exception) ? CallClassification.Failure : CallClassification.Success;
        }
        else
        {
            ValueTask<bool> handled;
            try
            {
                handled = _shouldHandle(new(context, AsOutcomeOfT(outcome)));
            }
#pragma warning disable CA1031 // A throwing predicate must not lose the call: it counts as a failure and its exception is the outcome.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                handled = new(true);
                outcome = Outcome.FromException<TResult>(exception);
            }

            if (!handled.IsCompletedSuccessfully)
            {
                return CompleteAfterPredicateAsync(handled, outcome, context, permit);
            }

            classification = handled.Result ? CallClassification.Failure : CallClassification.Success;
        }

        return Record(permit, classification, outcome, context);
    }

    private async ValueTask<Outcome<TResult>> CompleteAfterPredicateAsync<TResult>(ValueTask<bool> handled, Outcome<TResult> outcome, ResilienceContext context, Permit permit)
    {
        CallClassification classification;
        try
        {
            classification = await handled.ConfigureAwait(context.ContinueOnCapturedContext) ? CallClassification.Failure : CallClassification.Success;
        }
#pragma warning disable CA1031 // A throwing predicate must not lose the call: it counts as a failure and its exception is the outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            classification = CallClassification.Failure;
            outcome = Outcome.FromException<TResult>(exception);
        }

        return await Record(permit, classification, outcome, context).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    /// <summary>Records a classified call; completes synchronously unless it caused a transition.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<Outcome<TResult>> Record<TResult>(in Permit permit, CallClassification classification, Outcome<TResult> outcome, ResilienceContext context)
        => Exit(permit, classification, outcome, context, out var pendingOpening)
            ? FinishTransitionAsync(outcome, context, pendingOpening)
            : new(outcome);

    /// <summary>Records a completed call; returns whether a transition needs finishing outside the lock.</summary>
    private bool Exit<TResult>(in Permit permit, CallClassification classification, in Outcome<TResult> outcome, ResilienceContext context, out PendingOpening? pendingOpening)
    {
        pendingOpening = null;
        var now = _readsClockOnCompletion ? _timeProvider.GetTimestamp() : 0;
        if (classification == CallClassification.Ignored)
        {
            if (permit.IsProbe)
            {
                lock (_lock)
                {
                    if (IsCurrentProbe_NeedsLock(permit))
                    {
                        _probesInFlight--;
                    }
                }
            }

            return false;
        }

        var isFailure = classification == CallClassification.Failure;
        var isSlow = _slowCallThresholdTimestamp != 0 && now - permit.StartTimestamp >= _slowCallThresholdTimestamp;
        if (isSlow)
        {
            _telemetry.Report(
                new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnSlowCall),
                context,
                outcome,
                new OnSlowCallArguments(BreakerName, _timeProvider.GetElapsedTime(permit.StartTimestamp, now), _slowCallThreshold!.Value));
        }

        lock (_lock)
        {
            var counts = _window.Record(isFailure, isSlow, now);
            if (_openingPending)
            {
                return false;
            }

            if (permit.IsProbe)
            {
                if (!IsCurrentProbe_NeedsLock(permit))
                {
                    return false;
                }

                _probesInFlight--;
                if (isFailure || isSlow)
                {
                    return Open_NeedsLock(isFailure ? CircuitTransitionReason.HalfOpenProbeFailed : CircuitTransitionReason.HalfOpenProbeSlow, counts, outcome, context, out pendingOpening);
                }

                if (++_probeSuccesses >= _successThreshold)
                {
                    Close_NeedsLock(CircuitTransitionReason.HalfOpenSucceeded, AsOutcomeOfT(outcome), context);
                    return true;
                }

                return false;
            }

            if (_state != CircuitState.Closed || TripReason(counts) is not { } reason)
            {
                return false;
            }

            return Open_NeedsLock(reason, counts, outcome, context, out pendingOpening);
        }
    }

    private CircuitTransitionReason? TripReason(in WindowCounts counts)
    {
        if (counts.FailureThresholdReached)
        {
            return CircuitTransitionReason.FailureThreshold;
        }

        if (counts.Calls < _minimumThroughput)
        {
            return null;
        }

        if (_failureRatio is { } failureRatio && counts.FailureRatio >= failureRatio)
        {
            return CircuitTransitionReason.FailureRatio;
        }

        if (_slowCallThresholdTimestamp != 0 && counts.SlowCallRatio >= _slowCallRatio)
        {
            return CircuitTransitionReason.SlowCallRatio;
        }

        return null;
    }

    private bool IsCurrentProbe_NeedsLock(in Permit permit)
        => _state == CircuitState.HalfOpen && permit.ProbeGeneration == _halfOpenGeneration;

    private bool Open_NeedsLock<TResult>(
        CircuitTransitionReason reason,
        in WindowCounts counts,
        in Outcome<TResult> outcome,
        ResilienceContext context,
        out PendingOpening? pendingOpening)
    {
        if (_breakDurationGenerator is not null)
        {
            // The generator is user code: it runs outside the lock, and meanwhile no other call may move the circuit.
            _openingPending = true;
            pendingOpening = new PendingOpening(_epoch, reason, counts.FailureRatio, counts.Failures, _halfOpenAttempts);
            return true;
        }

        pendingOpening = null;
        OpenFor_NeedsLock(reason, _breakDuration, AsOutcomeOfT(outcome), context);
        return true;
    }

    private void OpenFor_NeedsLock(CircuitTransitionReason reason, TimeSpan breakDuration, Outcome<T> outcome, ResilienceContext context)
    {
        _currentBreakDuration = breakDuration;
        _blockedUntil = AddSaturating(_timeProvider.GetTimestamp(), ToTimestamp(breakDuration));
        Volatile.Write(ref _breakingException, outcome.Exception);
        Transition_NeedsLock(CircuitState.Open, reason, breakDuration, outcome, context);
    }

    private async ValueTask<Outcome<TResult>> FinishTransitionAsync<TResult>(Outcome<TResult> outcome, ResilienceContext context, PendingOpening? pendingOpening)
    {
        if (pendingOpening is { } opening)
        {
            var breakDuration = await GenerateBreakDurationAsync(opening, context).ConfigureAwait(context.ContinueOnCapturedContext);
            lock (_lock)
            {
                if (_openingPending && _epoch == opening.Epoch)
                {
                    _openingPending = false;
                    OpenFor_NeedsLock(opening.Reason, breakDuration, AsOutcomeOfT(outcome), context);
                }
            }
        }

        await Events.DispatchAsync(context).ConfigureAwait(context.ContinueOnCapturedContext);
        return outcome;
    }

    private async ValueTask<TimeSpan> GenerateBreakDurationAsync(PendingOpening opening, ResilienceContext context)
    {
        try
        {
            var generated = await _breakDurationGenerator!(new(opening.FailureRate, opening.FailureCount, context, opening.HalfOpenAttempts))
                .ConfigureAwait(context.ContinueOnCapturedContext);

            return generated < TimeSpan.Zero ? TimeSpan.Zero : generated > MaxBreakDuration ? MaxBreakDuration : generated;
        }
#pragma warning disable CA1031 // A throwing generator must not leave the circuit half-moved: it falls back to BreakDuration.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _telemetry.Report(
                new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnBreakDurationGeneratorFailed),
                context,
                Outcome.FromException<T>(exception),
                opening);
            return _breakDuration;
        }
    }

    private void StartProbing_NeedsLock(long now)
    {
        _halfOpenGeneration++;
        _probesInFlight = 1;
        _probeSuccesses = 0;
        _blockedUntil = AddSaturating(now, ToTimestamp(_currentBreakDuration));
    }

    private void Close_NeedsLock(CircuitTransitionReason reason, Outcome<T> outcome, ResilienceContext context)
    {
        _window.Clear();
        _halfOpenAttempts = 0;
        _probesInFlight = 0;
        Volatile.Write(ref _breakingException, null);
        if (_state != CircuitState.Closed)
        {
            Transition_NeedsLock(CircuitState.Closed, reason, null, outcome, context);
        }
        else
        {
            // A manual close of a closed circuit still cancels an opening whose generator is running: its window is gone.
            _openingPending = false;
            _epoch++;
        }
    }

    private void Transition_NeedsLock(CircuitState newState, CircuitTransitionReason reason, TimeSpan? breakDuration, Outcome<T> outcome, ResilienceContext context)
    {
        var previous = _state;
        _openingPending = false;
        _epoch++;
        _state = newState;
        Events.Enqueue(new CircuitTransition<T>(context, previous, newState, reason, breakDuration, outcome));
    }

    private long ToTimestamp(TimeSpan duration)
    {
        // Rounded up, so "at least this long" never fires early.
        var timestamp = ((Int128)duration.Ticks * _timeProvider.TimestampFrequency + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        return timestamp > long.MaxValue ? long.MaxValue : (long)timestamp;
    }

    private static long AddSaturating(long timestamp, long duration)
        => duration > long.MaxValue - timestamp ? long.MaxValue : timestamp + duration;
}
