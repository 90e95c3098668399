namespace PollyBreakerExt;

/// <summary>
/// A fleet's connection and fleet-wide manual control, as the container's health check and operator endpoints see it:
/// register one per fleet (the Redis fleet's <c>AddSlowCallCircuitBreakerRedisFleet</c> does).
/// <c>AddSlowCallCircuitBreakers</c> reports Degraded while it is disconnected, and <c>MapSlowCallCircuitBreakers</c>
/// shows its replica id and connection on each breaker in the fleet and isolates and closes those breakers fleet-wide.
/// </summary>
public interface ICircuitBreakerFleetControl
{
    /// <summary>Gets this replica's identity in the fleet.</summary>
    string ReplicaId { get; }

    /// <summary>Gets whether the fleet reaches its peers; while not, every breaker works alone.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Isolates the breaker <paramref name="breakerKey"/> on every replica (reason <see cref="CircuitTransitionReason.Manual"/>),
    /// including those that join later, until <see cref="CloseAsync"/>.
    /// </summary>
    /// <param name="breakerKey">The breaker's fleet key (<see cref="CircuitBreakerFleetMember.Key"/>).</param>
    /// <param name="cancellationToken">Cancels the wait; the isolation may still travel.</param>
    /// <returns>A task that completes once this replica's breakers are isolated and the isolation is sent to the fleet.</returns>
    Task IsolateAsync(string breakerKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes the breaker <paramref name="breakerKey"/> on every replica (reason <see cref="CircuitTransitionReason.Manual"/>)
    /// and forgets the fleet's stored state of it.
    /// </summary>
    /// <param name="breakerKey">The breaker's fleet key (<see cref="CircuitBreakerFleetMember.Key"/>).</param>
    /// <param name="cancellationToken">Cancels the wait; the close may still travel.</param>
    /// <returns>A task that completes once this replica's breakers are closed and the close is sent to the fleet.</returns>
    Task CloseAsync(string breakerKey, CancellationToken cancellationToken = default);
}
