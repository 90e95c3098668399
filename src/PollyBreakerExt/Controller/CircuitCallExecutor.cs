using System.Runtime.CompilerServices;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Runs one call through the breaker and classifies how it ended (DESIGN.md "Semantics", classification): admission
/// and recording are the controller's.
/// </summary>
internal sealed class CircuitCallExecutor<T>
{
    private readonly Func<CircuitBreakerPredicateArguments<T>, ValueTask<bool>> _shouldHandle;
    private readonly bool _usesDefaultShouldHandle;

    public CircuitCallExecutor(CircuitStateController<T> controller, Func<CircuitBreakerPredicateArguments<T>, ValueTask<bool>> shouldHandle)
    {
        Controller = controller;
        _shouldHandle = shouldHandle;
        _usesDefaultShouldHandle = ReferenceEquals(shouldHandle, DefaultShouldHandle<T>.Predicate);
    }

    public CircuitStateController<T> Controller { get; }

    /// <summary>Runs one call through the breaker.</summary>
    public ValueTask<Outcome<TResult>> ExecuteAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
        => ExecuteAsync(callback, context, state, keyed: null);

    /// <summary>
    /// Runs one call through the breaker of a key, stamping the key as used (W10's <c>MaxKeys</c> and
    /// <c>KeyIdleTimeout</c>) with the timestamp the admission read anyway, so a known key's call reads the clock once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // keyed: null is folded away on the unkeyed path.
    public ValueTask<Outcome<TResult>> ExecuteAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state,
        KeyedCircuitBreaker<T>? keyed)
    {
        var admitted = Controller.TryEnter(context, out var permit, out var rejection, out var raiseEvents, out var pendingOpening);
        if (keyed is not null)
        {
            // The admission leaves 0 when it did not read the clock (no slow-call detection, or rejected by the ramp).
            keyed.Touch(permit.StartTimestamp != 0 ? permit.StartTimestamp : Controller.GetTimestamp());
        }

        if (!admitted)
        {
            // A rejected admission may have caused a transition itself: an opening, when it found a running call past the
            // slow-call threshold, or a half-open whose probe slots are all held by probes of the previous one.
            return raiseEvents
                ? Controller.FinishTransitionAsync(Outcome.FromException<TResult>(rejection), context, pendingOpening)
                : new(Outcome.FromException<TResult>(rejection));
        }

        if (raiseEvents)
        {
            if (pendingOpening is not null)
            {
                return ExecuteAfterEventsAsync(callback, context, state, permit, pendingOpening.Value);
            }

            // Events without the user's callbacks are raised synchronously: the probe then runs on the hot path.
            ValueTask dispatched;
            try
            {
                dispatched = Controller.Events.DispatchAsync(context);
            }
            catch
            {
                GiveBack(permit, context);
                throw;
            }

            if (!dispatched.IsCompletedSuccessfully)
            {
                return ExecuteAfterDispatchAsync(dispatched, callback, context, state, permit);
            }
        }

        var pending = Invoke(callback, context, state);

        // The hot path: a synchronous callback is completed synchronously, without allocating.
        return pending.IsCompletedSuccessfully
            ? Complete(pending.Result, context, permit)
            : CompleteAsync(pending, context, permit);
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

    private async ValueTask<Outcome<TResult>> ExecuteAfterDispatchAsync<TResult, TState>(
        ValueTask dispatched,
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state,
        Permit permit)
    {
        try
        {
            await dispatched.ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch
        {
            GiveBack(permit, context);
            throw;
        }

        return await CompleteAsync(Invoke(callback, context, state), context, permit).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    private async ValueTask<Outcome<TResult>> ExecuteAfterEventsAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state,
        Permit permit,
        PendingOpening pendingOpening)
    {
        // In shadow mode an admission that opened the circuit runs anyway, after the opening's break and events.
        try
        {
            await Controller.FinishTransitionAsync(Outcome.FromResult<T>(default!), context, pendingOpening).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch
        {
            GiveBack(permit, context);
            throw;
        }

        return await CompleteAsync(Invoke(callback, context, state), context, permit).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    /// <summary>
    /// Gives back what an admitted call holds when user code (a throwing TelemetryListener) fails before the call runs: the
    /// call never ran, so it is not recorded, and its probe permit and running slot must not leak.
    /// </summary>
    private void GiveBack(in Permit permit, ResilienceContext context)
        => Controller.Exit(permit, CallClassification.Ignored, Outcome.FromResult<T>(default!), context, out _);

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
        if (IsCancelledByCaller(outcome.Exception, context))
        {
            return Record(permit, CallClassification.Ignored, outcome, context);
        }

        return _usesDefaultShouldHandle
            ? Record(permit, DefaultShouldHandle<T>.IsFailure(outcome.Exception) ? CallClassification.Failure : CallClassification.Success, outcome, context)
            : CompleteWithPredicate(outcome, context, permit);
    }

    /// <summary>Classifies a finished call by the user's predicate and records it.</summary>
    /// <remarks>
    /// Apart from <see cref="Complete"/>: a throwing predicate replaces the outcome, and inlined, that made the default
    /// path copy the outcome through memory on every call (issue #19).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<Outcome<TResult>> CompleteWithPredicate<TResult>(Outcome<TResult> outcome, ResilienceContext context, Permit permit)
    {
        ValueTask<bool> handled;
        try
        {
            handled = _shouldHandle(new(context, Outcomes.As<TResult, T>(outcome)));
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

        return Record(permit, handled.Result ? CallClassification.Failure : CallClassification.Success, outcome, context);
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
        => Controller.Exit(permit, classification, outcome, context, out var pendingOpening)
            ? Controller.FinishTransitionAsync(outcome, context, pendingOpening)
            : new(outcome);
}
