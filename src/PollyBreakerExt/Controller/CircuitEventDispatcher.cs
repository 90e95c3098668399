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
/// Transitions are queued under the breaker's lock. Whoever caused one then takes the gate and drains the queue, so by
/// the time it gets the gate its own transition has run, by itself or by the drainer before it. A callback that causes
/// another transition (say, by isolating the breaker) does not wait for the gate it already holds: its transition runs
/// right after the current one's callbacks, by the same drainer, so the order holds and nothing deadlocks.
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The gate never creates a wait handle; nothing to dispose.")]
internal sealed class CircuitEventDispatcher<T>
{
    private static readonly AsyncLocal<object?> DrainingDispatcher = new();

    private readonly ConcurrentQueue<CircuitTransition<T>> _pending = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _breakerName;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly Func<OnCircuitOpenedArguments<T>, ValueTask>? _onOpened;
    private readonly Func<OnCircuitClosedArguments<T>, ValueTask>? _onClosed;
    private readonly Func<OnCircuitHalfOpenedArguments, ValueTask>? _onHalfOpened;
    private readonly Func<CircuitStateChangedArguments, ValueTask>? _onStateChanged;
    private ICircuitBreakerFleet? _fleet;
    private CircuitBreakerFleetMember? _fleetMember;

    public CircuitEventDispatcher(string breakerName, ResilienceStrategyTelemetry telemetry, SlowCallCircuitBreakerStrategyOptions<T> options)
    {
        _breakerName = breakerName;
        _telemetry = telemetry;
        _onOpened = options.OnOpened;
        _onClosed = options.OnClosed;
        _onHalfOpened = options.OnHalfOpened;
        _onStateChanged = options.OnStateChanged;
    }

    /// <summary>Raised, after the callbacks, for every transition; the extensions' metrics and logs listen here.</summary>
    public event Action<CircuitStateChangedArguments>? StateChanged;

    /// <summary>Tells <paramref name="fleet"/> of every transition from now on, before the callbacks run.</summary>
    public void SetFleet(ICircuitBreakerFleet fleet, CircuitBreakerFleetMember member)
    {
        _fleetMember = member;
        Volatile.Write(ref _fleet, fleet);
    }

    /// <summary>Queues a transition. Called under the breaker's lock.</summary>
    public void Enqueue(CircuitTransition<T> transition) => _pending.Enqueue(transition);

    /// <summary>Runs every queued transition; completes once those queued before the call have run.</summary>
    public ValueTask DispatchAsync(ResilienceContext context)
        => ReferenceEquals(DrainingDispatcher.Value, this) && _gate.CurrentCount == 0 ? default : DrainUnderGateAsync(context);

    private async ValueTask DrainUnderGateAsync(ResilienceContext context)
    {
        // Re-checked after release: a transition queued by a callback just as its drainer finished is not left behind.
        do
        {
            await _gate.WaitAsync().ConfigureAwait(context.ContinueOnCapturedContext);
            try
            {
                await DrainAsync(context).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            finally
            {
                _gate.Release();
            }
        }
        while (!_pending.IsEmpty);
    }

    private async ValueTask DrainAsync(ResilienceContext context)
    {
        DrainingDispatcher.Value = this;
        while (_pending.TryDequeue(out var transition))
        {
            await RaiseAsync(transition).ConfigureAwait(context.ContinueOnCapturedContext);
        }
    }

    private async ValueTask RaiseAsync(CircuitTransition<T> transition)
    {
        var context = transition.Context;
        var changed = new CircuitStateChangedArguments(
            context,
            _breakerName,
            transition.PreviousState,
            transition.NewState,
            transition.Reason,
            transition.BreakDuration);

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

        switch (transition.NewState)
        {
            case CircuitState.Open or CircuitState.Isolated:
                var opened = new OnCircuitOpenedArguments<T>(context, transition.Outcome, transition.BreakDuration ?? TimeSpan.MaxValue, transition.IsManual);
                _telemetry.Report(new(ResilienceEventSeverity.Error, SlowCallCircuitBreakerConstants.OnCircuitOpened), context, transition.Outcome, opened);
                if (_onOpened is not null)
                {
                    await InvokeSafelyAsync(_onOpened, opened, changed).ConfigureAwait(context.ContinueOnCapturedContext);
                }

                break;

            case CircuitState.Closed:
                var closed = new OnCircuitClosedArguments<T>(context, transition.Outcome, transition.IsManual);
                _telemetry.Report(new(ResilienceEventSeverity.Information, SlowCallCircuitBreakerConstants.OnCircuitClosed), context, transition.Outcome, closed);
                if (_onClosed is not null)
                {
                    await InvokeSafelyAsync(_onClosed, closed, changed).ConfigureAwait(context.ContinueOnCapturedContext);
                }

                break;

            default:
                var halfOpened = new OnCircuitHalfOpenedArguments(context);
                _telemetry.Report(new(ResilienceEventSeverity.Warning, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened), context, halfOpened);
                if (_onHalfOpened is not null)
                {
                    await InvokeSafelyAsync(_onHalfOpened, halfOpened, changed).ConfigureAwait(context.ContinueOnCapturedContext);
                }

                break;
        }

        if (_onStateChanged is not null)
        {
            await InvokeSafelyAsync(_onStateChanged, changed, changed).ConfigureAwait(context.ContinueOnCapturedContext);
        }

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
