using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// The breaker's state machine: admission, half-open permits and transitions (DESIGN.md "Semantics", rules 3, 4 and 8).
/// Health is judged by <see cref="CircuitHealthPolicy"/>, calls are run by <see cref="CircuitCallExecutor{T}"/>, manual
/// and fleet control is in <c>CircuitStateController.Control.cs</c>.
/// </summary>
/// <remarks>
/// All state lives behind <see cref="_lock"/>, which is never held while user code runs. Three paths are lock-free on
/// purpose: a closed circuit admits without the lock, an open one rejects without it while the break lasts, and a closed
/// success is recorded without it and judged without it when no trip condition can hold (issue #19: two threads on one
/// breaker no longer queue on the lock, see <c>CircuitStateController.Recording.cs</c>).
/// </remarks>
internal sealed partial class CircuitStateController<T> : SlowCallCircuitBreakerHandle, IDisposable
{
    private readonly BreakerLock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly CircuitHealthPolicy _health;
    private readonly CircuitRejections _rejections;
    private readonly BreakDurationSource<T> _breaks;
    private readonly TimeSpan? _slowCallThreshold;
    private readonly bool _readsClockOnAdmission;
    private readonly bool _tracksInFlight;
    private readonly bool _shadowMode;
    private readonly bool _readsClockOnCompletion;
    private readonly int _successThreshold;
    private readonly long _breakDuration; // BreakDuration in timestamp units: converting it is a 128-bit division, once here
    private readonly SlowCallCircuitBreakerManualControl? _manualControl;

    private volatile CircuitState _state = CircuitState.Closed;
    private long _blockedUntil; // open: when a probe may pass; half-open, after a rejection: when a probe slot frees at the latest
    private Exception? _breakingException;
    private int _epoch; // bumped on every state change, so a late opening can tell it is stale
    private volatile int _generation; // bumped by manual transitions: calls admitted before them are not recorded after
    private readonly HalfOpenProbeCap _probes;
    private readonly long _rampDuration; // RecoveryRampUp in timestamp units; 0: off
    private int _episodeGeneration; // the first probe set of the current half-open episode: probes of any set since then decide
    private int _probeSuccesses;
    private int _halfOpenAttempts;
    private long _openedAt;
    private CircuitTransition<T>? _unannouncedOpening; // an opening whose generated break is not known yet
    private int _halfOpenAdmitted; // probes admitted and calls rejected in the current or last half-open: the ramp's first share
    private int _halfOpenRejected;

    public CircuitStateController(
        string breakerName,
        TimeProvider timeProvider,
        ResilienceStrategyTelemetry telemetry,
        CircuitHealthPolicy health,
        CircuitEventDispatcher<T> events,
        BreakDurationSource<T> breaks,
        TimeSpan? slowCallThreshold,
        int successThreshold,
        SlowCallCircuitBreakerManualControl? manualControl,
        bool shadowMode = false,
        TimeSpan? recoveryRampUp = null,
        string? breakerKey = null)
    {
        _shadowMode = shadowMode;
        BreakerName = breakerName;
        BreakerKey = breakerKey;
        _timeProvider = timeProvider;
        _telemetry = telemetry;
        _health = health;
        _rejections = new CircuitRejections(breakerName, breakerKey, successThreshold, telemetry);
        _breaks = breaks;
        _slowCallThreshold = slowCallThreshold;
        _readsClockOnAdmission = health.DetectsSlowCalls;
        _tracksInFlight = health.TracksInFlight;
        _readsClockOnCompletion = health.NeedsCompletionTime;
        _successThreshold = successThreshold;
        _breakDuration = Timestamps.FromDuration(breaks.BreakDuration, timeProvider);
        _probes = new HalfOpenProbeCap(successThreshold, _breakDuration);
        _rampDuration = recoveryRampUp is { } ramp ? Timestamps.FromDuration(ramp, timeProvider) : 0;
        _manualControl = manualControl;
        Events = events;
    }

    public string BreakerName { get; }

    /// <summary>Gets the key this breaker serves in a keyed strategy; <see langword="null"/> for an unkeyed or the default breaker.</summary>
    public override string? BreakerKey { get; }

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
            using (_lock.EnterScope())
            {
                return _health.GetCounts(_timeProvider.GetTimestamp()).ToMetrics();
            }
        }
    }

    public override TimeSpan? RetryAfter
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _state == CircuitState.Open ? TimeLeft(_timeProvider.GetTimestamp()) : null;
            }
        }
    }

    /// <summary>Gets the running probes that hold a slot of the half-open cap; read by the reliability tests.</summary>
    internal int ProbesInFlight
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _state == CircuitState.HalfOpen ? _probes.Holding(_timeProvider.GetTimestamp()) : 0;
            }
        }
    }

    /// <summary>
    /// Admits a call, or returns its rejection. <paramref name="raiseEvents"/> says the call caused a transition whose
    /// events it must run first (with <paramref name="pendingOpening"/>, an opening whose break is still to be generated).
    /// </summary>
    public bool TryEnter(ResilienceContext context, out Permit permit, out Exception rejection, out bool raiseEvents, out PendingOpening? pendingOpening)
    {
        raiseEvents = false;
        pendingOpening = null;
        rejection = null!;
        var state = _state;
        if (state == CircuitState.Closed)
        {
            if (_ramping && IsRejectedByRamp(context, out rejection))
            {
                permit = default;
                return false;
            }

            if (!_tracksInFlight)
            {
                permit = new(_readsClockOnAdmission ? _timeProvider.GetTimestamp() : 0, _generation, 0);
                return true;
            }

            var start = _timeProvider.GetTimestamp();
            var sequence = _health.Admit(start, 0);
            if (sequence < 0)
            {
                sequence = AdmitCompacting(start); // the ring looks full: slots freed without the lock are passed first
            }

            permit = new(start, _generation, 0, sequence);
            if (!_health.MayHaveHungCall(start))
            {
                return true;
            }

            // A running call has reached the slow-call threshold: this admission judges it, and may open and be rejected.
            return AdmitJudgingHungCalls(context, start, ref permit, out rejection, out raiseEvents, out pendingOpening);
        }

        var now = _timeProvider.GetTimestamp();
        permit = new(now, _generation, 0);

        // _blockedUntil is written before _state, so an open state read above comes with its own deadline or a later one.
        if (state == CircuitState.Open && now < Volatile.Read(ref _blockedUntil))
        {
            return RejectOrShadow(CircuitState.Open, context, now, ref permit, out rejection);
        }

        if (state == CircuitState.Open && Volatile.Read(ref _fleet) is { } fleet && !MayProbe(fleet, now, context))
        {
            return RejectOrShadow(CircuitState.Open, context, now, ref permit, out rejection);
        }

        using (_lock.EnterScope())
        {
            if (TryEnter_NeedsLock(now, context, ref permit, ref raiseEvents, ref pendingOpening))
            {
                return true;
            }

            state = _state;
        }

        return RejectOrShadow(state, context, now, ref permit, out rejection);
    }

    /// <summary>Rejects the call; in shadow mode, reports the rejection it would have had and lets it run, unrecorded.</summary>
    private bool RejectOrShadow(CircuitState state, ResilienceContext context, long now, ref Permit permit, out Exception rejection)
    {
        if (_shadowMode)
        {
            _rejections.ReportShadow(state, state == CircuitState.Isolated ? null : TimeLeft(now), context);
            permit = Permit.Shadow(now);
            rejection = null!;
            return true;
        }

        rejection = Reject(state, context, now);
        return false;
    }

    private bool AdmitJudgingHungCalls(ResilienceContext context, long now, ref Permit permit, out Exception rejection, out bool raiseEvents, out PendingOpening? pendingOpening)
    {
        raiseEvents = false;
        pendingOpening = null;
        rejection = null!;
        CircuitState state;
        using (_lock.EnterScope())
        {
            if (!_health.JudgeInFlight(now) || _state != CircuitState.Closed || _health.TripReason(_health.GetCounts(now)) is not { } reason)
            {
                if (!permit.IsTracked)
                {
                    permit = permit with { InFlightSequence = _health.AdmitCompacting(now, 0) }; // judging may have made room in a full ring
                }

                return true;
            }

            if (permit.IsTracked)
            {
                _health.Release(permit.InFlightSequence);
            }

            raiseEvents = Open_NeedsLock(now, reason, _health.GetCounts(now), Outcome.FromResult<T>(default!), context, out pendingOpening);
            state = _state;
        }

        permit = new(now, _generation, 0);
        return RejectOrShadow(state, context, now, ref permit, out rejection);
    }

    private bool TryEnter_NeedsLock(long now, ResilienceContext context, ref Permit permit, ref bool raiseEvents, ref PendingOpening? pendingOpening)
    {
        // Running calls that reached the slow-call threshold count now: this admission may find the circuit must open.
        if (_tracksInFlight && _health.JudgeInFlight(now))
        {
            if (_state == CircuitState.Closed && _health.TripReason(_health.GetCounts(now)) is { } reason)
            {
                raiseEvents = Open_NeedsLock(now, reason, _health.GetCounts(now), Outcome.FromResult<T>(default!), context, out pendingOpening);
                return false;
            }

            if (_state == CircuitState.HalfOpen && _health.HasHungProbe(_episodeGeneration))
            {
                raiseEvents = Open_NeedsLock(now, CircuitTransitionReason.HalfOpenProbeSlow, _health.GetCounts(now), Outcome.FromResult<T>(default!), context, out pendingOpening);
                return false;
            }
        }

        switch (_state)
        {
            case CircuitState.Closed:
                break;

            case CircuitState.Open when now >= _blockedUntil:
                _halfOpenAttempts++;
                _probeSuccesses = 0;
                _halfOpenAdmitted = 0;
                _halfOpenRejected = 0;
                _episodeGeneration = _probes.NextGeneration;
                Transition_NeedsLock(CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed, null, Outcome.FromResult<T>(default!), context);
                raiseEvents = true;
                if (!TryAdmitProbe_NeedsLock(now, ref permit))
                {
                    return false; // probes of an earlier episode, still running, hold every slot
                }

                break;

            case CircuitState.HalfOpen:
                if (!TryAdmitProbe_NeedsLock(now, ref permit))
                {
                    return false;
                }

                break;

            default:
                return false;
        }

        if (_tracksInFlight)
        {
            permit = permit with { InFlightSequence = _health.AdmitCompacting(now, permit.ProbeGeneration) };
        }

        return true;
    }

    private long AdmitCompacting(long start)
    {
        using (_lock.EnterScope())
        {
            return _health.AdmitCompacting(start, 0);
        }
    }

    private BrokenCircuitException Reject(CircuitState state, ResilienceContext context, long now)
        => _rejections.Reject(state, state == CircuitState.Isolated ? TimeSpan.Zero : TimeLeft(now), Volatile.Read(ref _breakingException), context);

    private TimeSpan TimeLeft(long now)
    {
        var blockedUntil = Volatile.Read(ref _blockedUntil);
        return blockedUntil <= now ? TimeSpan.Zero : _timeProvider.GetElapsedTime(now, blockedUntil);
    }

    private bool TryAdmitProbe_NeedsLock(long now, ref Permit permit)
    {
        if (!_probes.TryAdmit(now, _episodeGeneration, out var probeGeneration))
        {
            _halfOpenRejected++;
            _blockedUntil = _probes.FreesAt(now); // the rejection's RetryAfter: when a slot frees at the latest
            return false;
        }

        _halfOpenAdmitted++;
        permit = new(now, _generation, probeGeneration);
        return true;
    }

    // Probes admitted because earlier ones ran for a whole break still decide when they finish: only the cap forgets them.
    private bool IsProbeOfThisEpisode_NeedsLock(in Permit permit)
        => _state == CircuitState.HalfOpen && permit.ProbeGeneration >= _episodeGeneration;

    private void ReleaseProbeSlot_NeedsLock(in Permit permit) => _probes.Release(permit.ProbeGeneration);

    private long ToTimestamp(TimeSpan duration) => Timestamps.FromDuration(duration, _timeProvider);
}
