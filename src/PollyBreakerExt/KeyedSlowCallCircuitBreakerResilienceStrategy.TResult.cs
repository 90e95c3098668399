using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The keyed breaker on a generic pipeline: each call goes through the breaker of its key (DESIGN W10).
/// </summary>
internal sealed class KeyedSlowCallCircuitBreakerResilienceStrategy<T> : ResilienceStrategy<T>, IDisposable
{
    public KeyedSlowCallCircuitBreakerResilienceStrategy(KeyedCircuitBreakers<T> breakers) => Breakers = breakers;

    public KeyedCircuitBreakers<T> Breakers { get; }

    public void Dispose() => Breakers.Dispose();

    protected override ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback,
        ResilienceContext context,
        TState state)
    {
        var executor = Breakers.Select(context, out var toStamp, out var failure);

        // A throwing selector's exception is the call's outcome, as everywhere in Polly; the call is not run.
        return executor is null
            ? new(Outcome.FromException<T>(failure!))
            : executor.ExecuteAsync(callback, context, state, toStamp);
    }
}
