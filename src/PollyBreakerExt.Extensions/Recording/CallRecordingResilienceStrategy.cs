using Polly;

namespace PollyBreakerExt;

/// <summary>The recorder on a non-generic pipeline: a call is a failure when it ends in an exception.</summary>
internal sealed class CallRecordingResilienceStrategy(SlowCallCircuitBreakerRecorder recorder, TimeProvider timeProvider) : ResilienceStrategy
{
    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
        => CallRecordingResilienceStrategy<TResult>.RecordAsync(recorder, timeProvider, null, callback, context, state);
}
