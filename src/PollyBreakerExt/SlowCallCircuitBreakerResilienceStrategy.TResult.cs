using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The breaker on a generic pipeline.
/// </summary>
internal sealed class SlowCallCircuitBreakerResilienceStrategy<T> : ResilienceStrategy<T>, IDisposable
{
    public SlowCallCircuitBreakerResilienceStrategy(CircuitStateController<T> controller) => Controller = controller;

    public CircuitStateController<T> Controller { get; }

    public void Dispose() => Controller.Dispose();

    protected override ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback,
        ResilienceContext context,
        TState state)
        => Controller.ExecuteAsync(callback, context, state);
}
