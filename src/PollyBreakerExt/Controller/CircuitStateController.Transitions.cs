using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Transitions: opening for a break, probing, closing, and queueing their events (DESIGN.md "Semantics", rules 3, 4 and 6).
/// </summary>
internal sealed partial class CircuitStateController<T>
{
    /// <summary>Finishes, outside the lock, the transition a call caused: its generated break, then its events.</summary>
    public async ValueTask<Outcome<TResult>> FinishTransitionAsync<TResult>(Outcome<TResult> outcome, ResilienceContext context, PendingOpening? pendingOpening)
    {
        if (pendingOpening is { } opening)
        {
            var breakDuration = await _breaks.GenerateAsync(opening, context).ConfigureAwait(context.ContinueOnCapturedContext);
            lock (_lock)
            {
                if (_openingPending && _epoch == opening.Epoch)
                {
                    _openingPending = false;
                    OpenFor_NeedsLock(opening.Reason, breakDuration, Outcomes.As<TResult, T>(outcome), context);
                }
            }
        }

        await Events.DispatchAsync(context).ConfigureAwait(context.ContinueOnCapturedContext);
        return outcome;
    }

    private bool Open_NeedsLock<TResult>(
        CircuitTransitionReason reason,
        in WindowCounts counts,
        in Outcome<TResult> outcome,
        ResilienceContext context,
        out PendingOpening? pendingOpening)
    {
        if (_breaks.IsGenerated)
        {
            // The generator is user code: it runs outside the lock, and meanwhile no other call may move the circuit.
            _openingPending = true;
            pendingOpening = new PendingOpening(_epoch, reason, counts.FailureRatio, counts.Failures, _halfOpenAttempts);
            return true;
        }

        pendingOpening = null;
        OpenFor_NeedsLock(reason, _breaks.BreakDuration, Outcomes.As<TResult, T>(outcome), context);
        return true;
    }

    private void OpenFor_NeedsLock(CircuitTransitionReason reason, TimeSpan breakDuration, Outcome<T> outcome, ResilienceContext context)
    {
        _blockedUntil = Timestamps.AddSaturating(_timeProvider.GetTimestamp(), ToTimestamp(breakDuration));
        Volatile.Write(ref _breakingException, outcome.Exception);
        Transition_NeedsLock(CircuitState.Open, reason, breakDuration, outcome, context);
    }

    private void StartProbing_NeedsLock(long now)
    {
        _halfOpenGeneration++;
        _probesInFlight = 1;
        _probeSuccesses = 0;

        // Probes count as stuck after BreakDuration, never after a generated break: a generated zero must not lift the cap.
        _blockedUntil = Timestamps.AddSaturating(now, _breakDurationTimestamp);
    }

    private void Close_NeedsLock(CircuitTransitionReason reason, Outcome<T> outcome, ResilienceContext context)
    {
        _health.Clear();
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
}
