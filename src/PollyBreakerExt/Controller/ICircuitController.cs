using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// A breaker seen without its result type: what the state provider, the manual control and the extensions' registry use.
/// </summary>
internal interface ICircuitController
{
    string BreakerName { get; }

    CircuitState CircuitState { get; }

    CircuitMetrics Metrics { get; }

    /// <summary>Gets the time left until an open circuit lets a probe through; <see langword="null"/> unless open.</summary>
    TimeSpan? RetryAfter { get; }

    bool IsDisposed { get; }

    /// <summary>Raised after each transition's callbacks have run, in transition order, outside the breaker's lock.</summary>
    event Action<CircuitStateChangedArguments>? StateChanged;

    Task IsolateAsync(CancellationToken cancellationToken);

    Task CloseAsync(CancellationToken cancellationToken);
}
