namespace PollyBreakerExt;

/// <summary>
/// A fleet's connection, as the container's health check sees it: register one per fleet (the Redis fleet's
/// <c>AddSlowCallCircuitBreakerRedisFleet</c> does) and <c>AddSlowCallCircuitBreakers</c> reports Degraded while it is disconnected.
/// </summary>
public interface ICircuitBreakerFleetStatus
{
    /// <summary>Gets this replica's identity in the fleet.</summary>
    string ReplicaId { get; }

    /// <summary>Gets whether the fleet reaches its peers; while not, every breaker works alone.</summary>
    bool IsConnected { get; }
}
