using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// One built slow-call circuit breaker, as other packages see it: its name, state and live metrics, manual control,
/// its transitions, and the fleet it belongs to.
/// </summary>
/// <remarks>
/// Breakers announce their handle once, when built, through the telemetry event <c>OnSlowCallCircuitBreakerCreated</c>
/// (<see cref="OnSlowCallCircuitBreakerCreatedArguments"/>); that is how a registry, health checks, metrics and a fleet
/// find every breaker of a container, each key's breaker of a keyed strategy included (<see cref="BreakerKey"/>). A key's
/// breaker that its strategy forgets (<c>MaxKeys</c>, <c>KeyIdleTimeout</c>) is disposed: it reads
/// <see cref="IsDisposed"/> and leaves its fleet. Only this library derives from it.
/// </remarks>
public abstract class SlowCallCircuitBreakerHandle : IManualControlTarget
{
    private protected SlowCallCircuitBreakerHandle()
    {
    }

    /// <summary>Raised after each transition's callbacks have run, in transition order, outside the breaker's lock.</summary>
    /// <remarks>
    /// Handlers run on the flow that raises the transition's events — the caller that caused it, or, after a manual or
    /// fleet move made while another flow was running callbacks, that flow — one transition at a time. They must be quick,
    /// must not throw, and must not wait for another call through the same breaker: a breaker without user callbacks
    /// raises its events synchronously, under the gate that keeps them in order.
    /// </remarks>
    public abstract event Action<CircuitStateChangedArguments>? StateChanged;

    /// <summary>Gets the breaker's name: its options' <see cref="Polly.ResilienceStrategyOptions.Name"/>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Gets the key this breaker serves when its options have a <c>KeySelector</c> (what the selector returned for its
    /// calls); <see langword="null"/> for an unkeyed breaker and for a keyed strategy's shared default breaker.
    /// </summary>
    /// <remarks>
    /// Every key's breaker announces itself like any breaker; registries and fleets append this key to the strategy's
    /// own identity (<c>name/key</c>), so each key is listed, steered and shared on its own.
    /// </remarks>
    public abstract string? BreakerKey { get; }

    /// <summary>Gets the breaker's state.</summary>
    public abstract CircuitState CircuitState { get; }

    /// <summary>Gets what the breaker's sliding window holds now.</summary>
    public abstract CircuitMetrics Metrics { get; }

    /// <summary>Gets the time left until an open circuit lets a probe through; <see langword="null"/> unless open.</summary>
    public abstract TimeSpan? RetryAfter { get; }

    /// <summary>Gets whether the breaker's pipeline was disposed (a reload or the container's disposal): it takes no more calls.</summary>
    public abstract bool IsDisposed { get; }

    /// <summary>Gets the breaker's place in its fleet, or <see langword="null"/> while it is alone.</summary>
    public abstract CircuitBreakerFleetMember? FleetMember { get; }

    /// <summary>Isolates the breaker: it rejects every call until <see cref="CloseAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels before anything changes; also passed to the callbacks' context.</param>
    /// <returns>A task that completes once the breaker is isolated and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public abstract Task IsolateAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes the breaker (from any state) and clears its window.</summary>
    /// <param name="cancellationToken">Cancels before anything changes; also passed to the callbacks' context.</param>
    /// <returns>A task that completes once the breaker is closed and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public abstract Task CloseAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the breaker a member of <paramref name="fleet"/> under <paramref name="key"/>, unless it already belongs to one.
    /// </summary>
    /// <param name="fleet">The fleet.</param>
    /// <param name="key">The breaker's identity in the fleet: its registry key (DESIGN W1), or its name outside a container.</param>
    /// <returns>Whether it joined; <see langword="false"/> when it already belongs to a fleet or was disposed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="fleet"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or blank.</exception>
    public abstract bool JoinFleet(ICircuitBreakerFleet fleet, string key);

    internal abstract Task OpenFromFleetAsync(TimeSpan remainingBreak, CancellationToken cancellationToken);

    internal abstract Task CloseFromFleetAsync(CancellationToken cancellationToken);
}
