using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Manual control and the fleet hook: transitions that come from outside the call path (DESIGN.md "Semantics", rule 5; W1).
/// </summary>
internal sealed partial class CircuitStateController<T>
{
    private CircuitBreakerFleetMember? _fleetMember;
    private ICircuitBreakerFleet? _fleet; // read without the lock on transitions and break ends; written once, under it
    private long _fleetWaitUntil; // the end MayProbe last set, under the lock: a wait for the fleet, not a break of the breaker's own
    private bool _disposed;

    public override bool IsDisposed => Volatile.Read(ref _disposed);

    public override CircuitBreakerFleetMember? FleetMember => Volatile.Read(ref _fleetMember);

    /// <summary>Starts the breaker isolated, before any call: its manual control was isolated when it was built.</summary>
    public void StartIsolated()
    {
        using (_lock.EnterScope())
        {
            _state = CircuitState.Isolated;
            _blockedUntil = long.MaxValue;
        }
    }

    public void Dispose()
    {
        CircuitBreakerFleetMember? member;
        ICircuitBreakerFleet? fleet;
        using (_lock.EnterScope())
        {
            // Under the lock, so a JoinFleet that has not told its fleet yet sees the disposal and leaves again.
            Volatile.Write(ref _disposed, true);
            member = _fleetMember;
            fleet = _fleet;
        }

        _manualControl?.Detach(this);
        if (member is not null)
        {
            fleet!.Leave(member);
        }
    }

    public override bool JoinFleet(ICircuitBreakerFleet fleet, string key)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        CircuitBreakerFleetMember member;
        using (_lock.EnterScope())
        {
            if (_fleet is not null || IsDisposed)
            {
                return false;
            }

            member = new CircuitBreakerFleetMember(key, this, _successThreshold);
            _fleetMember = member;
            Volatile.Write(ref _fleet, fleet);
        }

        Events.SetFleet(fleet, member);
        fleet.Join(member);
        if (IsDisposed)
        {
            // Disposed between the lock and Join: its Leave may have come first, so leave once more after the Join.
            fleet.Leave(member);
        }

        return true;
    }

    public override Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        using (_lock.EnterScope())
        {
            _generation++;
            _health.SetGeneration(_generation);
            if (_state != CircuitState.Isolated)
            {
                _blockedUntil = long.MaxValue;
                Transition_NeedsLock(CircuitState.Isolated, CircuitTransitionReason.Manual, null, Outcome.FromResult<T>(default!), context);
            }
        }

        // The context is not returned to the pool: a transition queued here may still be read by a drainer.
        return Events.DispatchAsync(context, waitForOtherFlows: false).AsTask();
    }

    public override Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        using (_lock.EnterScope())
        {
            _generation++;
            _health.SetGeneration(_generation);
            Close_NeedsLock(CircuitTransitionReason.Manual, Outcome.FromResult<T>(default!), context);
        }

        return Events.DispatchAsync(context, waitForOtherFlows: false).AsTask();
    }

    internal override Task OpenFromFleetAsync(TimeSpan remainingBreak, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        remainingBreak = BreakDurationSource<T>.Clamp(remainingBreak);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        using (_lock.EnterScope())
        {
            var now = _timeProvider.GetTimestamp();
            var until = Timestamps.AddSaturating(now, ToTimestamp(remainingBreak));
            switch (_state)
            {
                case CircuitState.Isolated:
                    break;
                case CircuitState.Open:
                    // Waiting for another replica's probe (W1, F4): the fleet's new break replaces the wait, even a shorter one.
                    _blockedUntil = _blockedUntil == _fleetWaitUntil ? until : Math.Max(_blockedUntil, until);
                    break;
                default:
                    _blockedUntil = until;
                    Volatile.Write(ref _breakingException, null);
                    Transition_NeedsLock(CircuitState.Open, CircuitTransitionReason.Fleet, remainingBreak, Outcome.FromResult<T>(default!), context);
                    break;
            }
        }

        return Events.DispatchAsync(context, waitForOtherFlows: false).AsTask();
    }

    internal override Task CloseFromFleetAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        using (_lock.EnterScope())
        {
            if (_state is CircuitState.Open or CircuitState.HalfOpen)
            {
                Close_NeedsLock(CircuitTransitionReason.Fleet, Outcome.FromResult<T>(default!), context);
            }
        }

        return Events.DispatchAsync(context, waitForOtherFlows: false).AsTask();
    }

    /// <summary>
    /// Asks the fleet, outside the lock, whether this replica may probe; if not, the break is extended by what it says. A
    /// fleet that throws is treated like one that cannot be reached (F5): the failure is reported and the breaker probes alone.
    /// </summary>
    private bool MayProbe(ICircuitBreakerFleet fleet, long now, ResilienceContext context)
    {
        TimeSpan retryAfter;
        try
        {
            if (fleet.TryBeginProbing(_fleetMember!, out retryAfter))
            {
                return true;
            }
        }
#pragma warning disable CA1031 // Same rule as the fleet's OnTransition: the fleet never wedges the breaker or fails the call.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var asked = new CircuitStateChangedArguments(
                context, BreakerName, CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed, null);
            _telemetry.Report(
                new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed),
                context,
                Outcome.FromException<T>(exception),
                asked);
            return true;
        }

        using (_lock.EnterScope())
        {
            if (_state == CircuitState.Open && _blockedUntil <= now)
            {
                _blockedUntil = Timestamps.AddSaturating(now, Math.Max(1, ToTimestamp(retryAfter)));
                _fleetWaitUntil = _blockedUntil;
            }
        }

        return false;
    }
}
