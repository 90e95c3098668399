using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>The recorder on a generic pipeline, where a predicate can judge the result as the breaker does.</summary>
internal sealed class CallRecordingResilienceStrategy<T>(
    SlowCallCircuitBreakerRecorder recorder,
    TimeProvider timeProvider,
    Func<CircuitBreakerPredicateArguments<T>, ValueTask<bool>>? shouldHandle) : ResilienceStrategy<T>
{
    protected override ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback,
        ResilienceContext context,
        TState state)
        => RecordAsync(recorder, timeProvider, shouldHandle, callback, context, state);

    /// <summary>Times a call with the pipeline's clock and hands its start, duration and outcome to the recorder.</summary>
    internal static async ValueTask<Outcome<T>> RecordAsync<TState>(
        SlowCallCircuitBreakerRecorder recorder,
        TimeProvider timeProvider,
        Func<CircuitBreakerPredicateArguments<T>, ValueTask<bool>>? shouldHandle,
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback,
        ResilienceContext context,
        TState state)
    {
        var startUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var started = timeProvider.GetTimestamp();
        Outcome<T> outcome;
        try
        {
            outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        }
#pragma warning disable CA1031 // The callback's exception is its outcome, as everywhere in Polly.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            outcome = Outcome.FromException<T>(exception);
        }

        var duration = timeProvider.GetElapsedTime(started);
        if (outcome.Exception is BrokenCircuitException || (outcome.Exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            return outcome;
        }

        bool failure;
        try
        {
            failure = shouldHandle is null ? outcome.Exception is not null : await shouldHandle(new(context, outcome)).ConfigureAwait(context.ContinueOnCapturedContext);
        }
#pragma warning disable CA1031 // As in the breaker: a throwing predicate makes the call a failure, and must not lose it.
        catch (Exception)
#pragma warning restore CA1031
        {
            failure = true;
        }

        recorder.Record(startUnixMs, duration, failure);
        return outcome;
    }
}
