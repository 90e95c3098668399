using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The breaker on a non-generic pipeline: it handles every result type itself, so results are never boxed on the way.
/// </summary>
internal sealed class SlowCallCircuitBreakerResilienceStrategy : ResilienceStrategy, IDisposable
{
    public SlowCallCircuitBreakerResilienceStrategy(CircuitStateController<object> controller) => Controller = controller;

    public CircuitStateController<object> Controller { get; }

    public void Dispose() => Controller.Dispose();

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
        => Controller.ExecuteAsync(callback, context, state);
}
