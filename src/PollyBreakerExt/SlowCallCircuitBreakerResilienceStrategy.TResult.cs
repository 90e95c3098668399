using Polly;

namespace PollyBreakerExt;

/// <summary>
/// The breaker on a generic pipeline.
/// </summary>
internal sealed class SlowCallCircuitBreakerResilienceStrategy<T> : ResilienceStrategy<T>, IDisposable
{
    public SlowCallCircuitBreakerResilienceStrategy(CircuitCallExecutor<T> executor) => Executor = executor;

    public CircuitCallExecutor<T> Executor { get; }

    public void Dispose() => Executor.Controller.Dispose();

    protected override ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback,
        ResilienceContext context,
        TState state)
        => Executor.ExecuteAsync(callback, context, state);
}
