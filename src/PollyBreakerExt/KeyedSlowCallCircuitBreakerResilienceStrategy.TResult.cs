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
        CircuitCallExecutor<T> executor;
        KeyedCircuitBreaker<T>? toStamp;
        try
        {
            executor = Breakers.Select(context, out toStamp);
        }
#pragma warning disable CA1031 // A throwing selector's exception is the call's outcome, as everywhere in Polly; the call is not run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new(Outcome.FromException<T>(exception));
        }

        return executor.ExecuteAsync(callback, context, state, toStamp);
    }
}
