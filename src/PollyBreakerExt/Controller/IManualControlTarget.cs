namespace PollyBreakerExt;

/// <summary>
/// What a <see cref="SlowCallCircuitBreakerManualControl"/> drives: one breaker, or every breaker of a keyed strategy.
/// </summary>
internal interface IManualControlTarget
{
    Task IsolateAsync(CancellationToken cancellationToken);

    Task CloseAsync(CancellationToken cancellationToken);
}
