using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The keyed breaker on a non-generic pipeline: each call goes through the breaker of its key (DESIGN W10).
/// </summary>
internal sealed class KeyedSlowCallCircuitBreakerResilienceStrategy : ResilienceStrategy, IDisposable
{
    public KeyedSlowCallCircuitBreakerResilienceStrategy(KeyedCircuitBreakers<object> breakers) => Breakers = breakers;

    public KeyedCircuitBreakers<object> Breakers { get; }

    public void Dispose() => Breakers.Dispose();

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        var executor = Breakers.Select(context, out var toStamp, out var failure);

        // A throwing selector's exception is the call's outcome, as everywhere in Polly; the call is not run.
        return executor is null
            ? new(Outcome.FromException<TResult>(failure!))
            : executor.ExecuteAsync(callback, context, state, toStamp);
    }
}
