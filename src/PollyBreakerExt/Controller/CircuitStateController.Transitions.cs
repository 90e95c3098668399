using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Transitions: opening for a break, probing, closing, and queueing their events (DESIGN.md "Semantics", rules 3, 4 and 6).
/// </summary>
internal sealed partial class CircuitStateController<T>
{
    /// <summary>Finishes, outside the lock, the transition a call caused: its generated break, then its events.</summary>
    public ValueTask<Outcome<TResult>> FinishTransitionAsync<TResult>(Outcome<TResult> outcome, ResilienceContext context, PendingOpening? pendingOpening)
    {
        if (pendingOpening is null)
        {
            // Events without the user's callbacks are raised synchronously: no state machine.
            var dispatched = Events.DispatchAsync(context);
            return dispatched.IsCompletedSuccessfully ? new(outcome) : AwaitEventsAsync(dispatched, outcome, context);
        }

        return FinishOpeningAsync(outcome, context, pendingOpening.Value);
    }

    private static async ValueTask<Outcome<TResult>> AwaitEventsAsync<TResult>(ValueTask dispatched, Outcome<TResult> outcome, ResilienceContext context)
    {
        await dispatched.ConfigureAwait(context.ContinueOnCapturedContext);
        return outcome;
    }

    private async ValueTask<Outcome<TResult>> FinishOpeningAsync<TResult>(Outcome<TResult> outcome, ResilienceContext context, PendingOpening opening)
    {
        {
            var breakDuration = await _breaks.GenerateAsync(opening, context, _timeProvider).ConfigureAwait(context.ContinueOnCapturedContext);
            using (_lock.EnterScope())
            {
                // Unless another transition came first and announced this opening with BreakDuration.
                if (_unannouncedOpening is { } transition && _epoch == opening.Epoch)
                {
                    _unannouncedOpening = null;
                    _blockedUntil = Timestamps.AddSaturating(_openedAt, ToTimestamp(breakDuration));
                    Events.Enqueue(transition with { BreakDuration = breakDuration });
                }
            }
        }

        await Events.DispatchAsync(context).ConfigureAwait(context.ContinueOnCapturedContext);
        return outcome;
    }

    private bool Open_NeedsLock<TResult>(
        long now,
        CircuitTransitionReason reason,
        in WindowCounts counts,
        in Outcome<TResult> outcome,
        ResilienceContext context,
        out PendingOpening? pendingOpening)
    {
        pendingOpening = null;
        OpenFor_NeedsLock(reason, Outcomes.As<TResult, T>(outcome), context, now, announce: !_breaks.IsGenerated);
        if (_breaks.IsGenerated)
        {
            // Open at once: the generator is user code, runs outside the lock and only decides how long. Until it answers
            // calls are rejected, the break is BreakDuration, and the opening's events wait for its answer.
            pendingOpening = new PendingOpening(_epoch, reason, counts.FailureRatio, counts.Failures, _halfOpenAttempts);
        }

        return true;
    }

    /// <summary>Opens for <c>BreakDuration</c> (a generated break, once known, moves <see cref="_blockedUntil"/> in <see cref="FinishOpeningAsync"/>).</summary>
    private void OpenFor_NeedsLock(CircuitTransitionReason reason, Outcome<T> outcome, ResilienceContext context, long now, bool announce = true)
    {
        _ramping = false;
        _openedAt = now;
        _blockedUntil = Timestamps.AddSaturating(_openedAt, _breakDuration);
        Volatile.Write(ref _breakingException, outcome.Exception);
        Transition_NeedsLock(CircuitState.Open, reason, _breaks.BreakDuration, outcome, context, announce);
    }

    private void Close_NeedsLock(CircuitTransitionReason reason, Outcome<T> outcome, ResilienceContext context)
    {
        _ramping = false; // only a close from half-open ramps up, and it starts its ramp after this
        _health.Clear();
        _halfOpenAttempts = 0;
        Volatile.Write(ref _breakingException, null);
        if (_state != CircuitState.Closed)
        {
            Transition_NeedsLock(CircuitState.Closed, reason, null, outcome, context);
        }
    }

    private void Transition_NeedsLock(CircuitState newState, CircuitTransitionReason reason, TimeSpan? breakDuration, Outcome<T> outcome, ResilienceContext context, bool announce = true)
    {
        if (_unannouncedOpening is { } opening)
        {
            // An opening whose generator has not answered is announced first, with BreakDuration: events keep their order.
            _unannouncedOpening = null;
            Events.Enqueue(opening);
        }

        var previous = _state;
        _epoch++;
        _state = newState;
        var transition = new CircuitTransition<T>(context, previous, newState, reason, breakDuration, outcome);
        if (announce)
        {
            Events.Enqueue(transition);
        }
        else
        {
            _unannouncedOpening = transition;
        }
    }
}
