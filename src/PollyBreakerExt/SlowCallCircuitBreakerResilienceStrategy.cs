using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The breaker on a non-generic pipeline: it handles every result type itself, so results are never boxed on the way.
/// </summary>
internal sealed class SlowCallCircuitBreakerResilienceStrategy : ResilienceStrategy, IDisposable
{
    public SlowCallCircuitBreakerResilienceStrategy(CircuitCallExecutor<object> executor) => Executor = executor;

    public CircuitCallExecutor<object> Executor { get; }

    public void Dispose() => Executor.Controller.Dispose();

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
        => Executor.ExecuteAsync(callback, context, state);
}
