using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Runs the telemetry and callbacks of transitions, one transition at a time and in the order they happened, outside
/// the breaker's lock.
/// </summary>
/// <remarks>
/// Transitions are queued under the breaker's lock. Whoever caused one then takes the gate and drains the queue up to
/// its own transition, so it waits for its own callbacks and for those of earlier transitions (they run first), never
/// for those of later ones. A callback that causes another transition on its own flow (say, by isolating the breaker)
/// does not wait for the gate it already holds: its transition runs right after the current one's callbacks, by the
/// same drainer. A manual or fleet transition that finds another flow running callbacks does not wait either — those
/// callbacks may be awaiting it — and its own run in the background, in order, once the earlier ones are done.
/// <para>
/// When nothing but telemetry listens (no callback of the user's, no <see cref="StateChanged"/> handler, no fleet), a
/// transition made while no other one waits or is being raised skips the queue and the gate: it is kept in one slot and
/// raised by whichever flow claims it first, normally the one that caused it (issue #19: the half-open cycle's three
/// transitions no longer pay for the queue and the gate). It is the oldest transition not raised yet, so drainers raise
/// or wait for it before anything queued after it. When the pipeline has no <c>TelemetryListener</c> either, reporting
/// runs no code of the user's: that is done at once, under the breaker's lock, with no slot.
/// </para>
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The gate never creates a wait handle; nothing to dispose.")]
internal sealed partial class CircuitEventDispatcher<T>
{
    private static readonly AsyncLocal<object?> DrainingDispatcher = new();

    // Made at the first transition (its first segment is 2 KB, a third of a keyed strategy's closed breaker); written
    // under the breaker's lock before _enqueued, so a drainer that sees a transition counted sees the queue too.
    private ConcurrentQueue<CircuitTransition<T>>? _pending;
    private long _enqueued; // written under the breaker's lock
    private long _raised; // written under the gate
    private long _nestedTarget; // raised by callbacks that cause transitions on the draining flow
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _syncGate = new();
    private readonly string _breakerName;
    private readonly string? _breakerKey;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly Func<OnCircuitOpenedArguments<T>, ValueTask>? _onOpened;
    private readonly Func<OnCircuitClosedArguments<T>, ValueTask>? _onClosed;
    private readonly Func<OnCircuitHalfOpenedArguments, ValueTask>? _onHalfOpened;
    private readonly Func<CircuitStateChangedArguments, ValueTask>? _onStateChanged;
    private readonly bool _hasObservers;
    private readonly bool _telemetryListens; // false: reporting an event runs no code of the user's

    private ICircuitBreakerFleet? _fleet;
    private CircuitBreakerFleetMember? _fleetMember;

    public CircuitEventDispatcher(string breakerName, ResilienceStrategyTelemetry telemetry, SlowCallCircuitBreakerStrategyOptions<T> options, string? breakerKey = null)
    {
        _breakerName = breakerName;
        _breakerKey = breakerKey;
        _telemetry = telemetry;
        _onOpened = options.OnOpened;
        _onClosed = options.OnClosed;
        _onHalfOpened = options.OnHalfOpened;
        _onStateChanged = options.OnStateChanged;
        _hasObservers = _onOpened is not null || _onClosed is not null || _onHalfOpened is not null || _onStateChanged is not null;
        _telemetryListens = PollyTelemetry.HasListener(telemetry);
    }

    /// <summary>Gets how many transitions were left to be raised after their lock; read by the tests.</summary>
    internal long Enqueued => Volatile.Read(ref _enqueued);

    /// <summary>Raised, after the callbacks, for every transition; the extensions' metrics and logs listen here.</summary>
    public event Action<CircuitStateChangedArguments>? StateChanged;

    /// <summary>Tells <paramref name="fleet"/> of every transition from now on, before the callbacks run.</summary>
    public void SetFleet(ICircuitBreakerFleet fleet, CircuitBreakerFleetMember member)
    {
        _fleetMember = member;
        Volatile.Write(ref _fleet, fleet);
    }

    /// <summary>Queues a transition. Called under the breaker's lock.</summary>
    public void Enqueue(CircuitTransition<T> transition)
    {
        // Nothing queued, nothing being raised, and only telemetry listening: no queue needed to keep the order.
        if (!_hasObservers && _directState == NoDirect && Volatile.Read(ref _raised) == _enqueued && StateChanged is null && _fleet is null)
        {
            if (!_telemetryListens)
            {
                // Nothing hears of it (no TelemetryListener): reported here, under the lock, as no user code runs, and
                // nothing is left to raise.
                ReportTelemetry(transition);
                return;
            }

            _direct = transition;
            Volatile.Write(ref _directState, DirectWaiting);
            Volatile.Write(ref _enqueued, _enqueued + 1);
            return;
        }

        var pending = _pending;
        if (pending is null)
        {
            pending = new();
            Volatile.Write(ref _pending, pending);
        }

        pending.Enqueue(transition);
        Volatile.Write(ref _enqueued, _enqueued + 1);
    }

    /// <summary>
    /// Runs the queued transitions up to the last one queued before the call; completes once they have run. With
    /// <paramref name="waitForOtherFlows"/> off, it completes at once while another flow is running callbacks, and the
    /// transitions run in the background after them.
    /// </summary>
    public ValueTask DispatchAsync(ResilienceContext context, bool waitForOtherFlows = true)
    {
        var target = Volatile.Read(ref _enqueued);
        if (Volatile.Read(ref _raised) >= target)
        {
            return default;
        }

        // The gate first: it is taken only where callbacks run, and an async-local read costs a thread-local lookup.
        if (_gate.CurrentCount == 0 && ReferenceEquals(DrainingDispatcher.Value, this))
        {
            RaiseTarget(ref _nestedTarget, target);
            return default;
        }

        // Without the user's callbacks raising is synchronous and short: drain on this thread under a plain lock.
        if (!_hasObservers)
        {
            // The common case: this flow's own transition, raised without the queue and the gate (and, behind it, any
            // queued meanwhile).
            if (Volatile.Read(ref _directState) == DirectWaiting && TryRaiseDirect())
            {
                return default;
            }

            DrainSynchronously(waitForOtherFlows);
            return default;
        }

        if (waitForOtherFlows)
        {
            return DrainUnderGateAsync(context, target, holdsGate: false);
        }

        if (_gate.Wait(0))
        {
            return DrainUnderGateAsync(context, target, holdsGate: true);
        }

        _ = DrainUnderGateAsync(context, target, holdsGate: false).AsTask();
        return default;
    }

    private static void RaiseTarget(ref long field, long target)
    {
        var current = Volatile.Read(ref field);
        while (current < target && Interlocked.CompareExchange(ref field, target, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private async ValueTask DrainUnderGateAsync(ResilienceContext context, long target, bool holdsGate)
    {
        // Re-checked after release: a transition a callback queued just as its drainer finished is not left behind.
        do
        {
            if (!holdsGate)
            {
                await _gate.WaitAsync().ConfigureAwait(context.ContinueOnCapturedContext);
            }

            holdsGate = false;
            try
            {
                await DrainAsync(context, target).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            finally
            {
                _gate.Release();
            }
        }
        while (Volatile.Read(ref _raised) < Volatile.Read(ref _nestedTarget));
    }

    private async ValueTask DrainAsync(ResilienceContext context, long target)
    {
        // Only callbacks and observers can cause a transition while this flow drains; without them, setting the
        // async-local (which allocates a new execution context) is not worth its cost.
        if (_hasObservers || StateChanged is not null || _fleet is not null)
        {
            DrainingDispatcher.Value = this;
        }

        while (Volatile.Read(ref _raised) < Math.Max(target, Volatile.Read(ref _nestedTarget)) && Volatile.Read(ref _pending) is { } pending && pending.TryDequeue(out var transition))
        {
            try
            {
                await RaiseAsync(transition).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            finally
            {
                Volatile.Write(ref _raised, _raised + 1); // as in DrainSynchronously
            }
        }
    }

    private async ValueTask RaiseAsync(CircuitTransition<T> transition)
    {
        var changed = Report(transition);
        var context = transition.Context;
        switch (transition.NewState)
        {
            case CircuitState.Open or CircuitState.Isolated when _onOpened is not null:
                var opened = new OnCircuitOpenedArguments<T>(context, transition.Outcome, transition.BreakDuration ?? TimeSpan.MaxValue, transition.IsManual);
                await InvokeSafelyAsync(_onOpened, opened, changed).ConfigureAwait(context.ContinueOnCapturedContext);
                break;

            case CircuitState.Closed when _onClosed is not null:
                await InvokeSafelyAsync(_onClosed, new OnCircuitClosedArguments<T>(context, transition.Outcome, transition.IsManual), changed).ConfigureAwait(context.ContinueOnCapturedContext);
                break;

            case CircuitState.HalfOpen when _onHalfOpened is not null:
                await InvokeSafelyAsync(_onHalfOpened, new OnCircuitHalfOpenedArguments(context), changed).ConfigureAwait(context.ContinueOnCapturedContext);
                break;
        }

        if (_onStateChanged is not null)
        {
            await InvokeSafelyAsync(_onStateChanged, changed, changed).ConfigureAwait(context.ContinueOnCapturedContext);
        }

        NotifyObservers(changed);
    }

    /// <summary>Tells the fleet of a transition and reports its telemetry event; returns its arguments for the callbacks.</summary>
    private CircuitStateChangedArguments Report(in CircuitTransition<T> transition)
    {
        var context = transition.Context;
        var changed = new CircuitStateChangedArguments(
            context,
            _breakerName,
            transition.PreviousState,
            transition.NewState,
            transition.Reason,
            transition.BreakDuration,
            _breakerKey);

        if (Volatile.Read(ref _fleet) is { } fleet)
        {
            try
            {
                fleet.OnTransition(_fleetMember!, changed);
            }
#pragma warning disable CA1031 // Same rule as the user's callbacks: the fleet never changes the breaker's own transition or the call.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                ReportCallbackFailure(exception, changed);
            }
        }

        ReportTelemetry(transition);
        return changed;
    }

    /// <summary>Reports a transition's telemetry event (DESIGN.md rule 7).</summary>
    private void ReportTelemetry(in CircuitTransition<T> transition)
    {
        var context = transition.Context;
        switch (transition.NewState)
        {
            case CircuitState.Open or CircuitState.Isolated:
                var opened = new OnCircuitOpenedArguments<T>(context, transition.Outcome, transition.BreakDuration ?? TimeSpan.MaxValue, transition.IsManual);
                _telemetry.Report(new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnCircuitOpened), context, transition.Outcome, opened);
                break;

            case CircuitState.Closed:
                var closed = new OnCircuitClosedArguments<T>(context, transition.Outcome, transition.IsManual);
                _telemetry.Report(new(ResilienceEventSeverity.Information, SlowCallCircuitBreakerConstants.OnCircuitClosed), context, transition.Outcome, closed);
                break;

            default:
                _telemetry.Report(new(ResilienceEventSeverity.Warning, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened), context, new OnCircuitHalfOpenedArguments(context));
                break;
        }
    }

    private void NotifyObservers(in CircuitStateChangedArguments changed)
    {
        try
        {
            StateChanged?.Invoke(changed);
        }
#pragma warning disable CA1031 // Same rule as the user's callbacks: observers never change the breaker or the call.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            ReportCallbackFailure(exception, changed);
        }
    }

    private async ValueTask InvokeSafelyAsync<TArgs>(Func<TArgs, ValueTask> callback, TArgs args, CircuitStateChangedArguments changed)
    {
        try
        {
            await callback(args).ConfigureAwait(changed.Context.ContinueOnCapturedContext);
        }
#pragma warning disable CA1031 // A listener's failure must not change the breaker or the call's outcome; it is reported instead.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            ReportCallbackFailure(exception, changed);
        }
    }

    private void ReportCallbackFailure(Exception exception, CircuitStateChangedArguments changed)
        => _telemetry.Report(
            new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed),
            changed.Context,
            Outcome.FromException<T>(exception),
            changed);
}
