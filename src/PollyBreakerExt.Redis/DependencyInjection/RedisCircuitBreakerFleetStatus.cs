namespace PollyBreakerExt;

/// <summary>The Redis fleet's connection, for the container's health check (<see cref="ICircuitBreakerFleetStatus"/>).</summary>
internal sealed class RedisCircuitBreakerFleetStatus : ICircuitBreakerFleetStatus
{
    private readonly RedisCircuitBreakerFleet _fleet;

    public RedisCircuitBreakerFleetStatus(RedisCircuitBreakerFleet fleet) => _fleet = fleet;

    public string ReplicaId => _fleet.ReplicaId;

    public bool IsConnected => _fleet.IsConnected;
}
