namespace PollyBreakerExt;

/// <summary>
/// The Redis fleet's connection and fleet-wide manual control, for the container's health check and operator endpoints
/// (<see cref="ICircuitBreakerFleetControl"/>).
/// </summary>
internal sealed class RedisCircuitBreakerFleetControl : ICircuitBreakerFleetControl
{
    private readonly RedisCircuitBreakerFleet _fleet;

    public RedisCircuitBreakerFleetControl(RedisCircuitBreakerFleet fleet) => _fleet = fleet;

    public string ReplicaId => _fleet.ReplicaId;

    public bool IsConnected => _fleet.IsConnected;

    public Task IsolateAsync(string breakerKey, CancellationToken cancellationToken = default)
        => _fleet.IsolateAsync(breakerKey, cancellationToken);

    public Task CloseAsync(string breakerKey, CancellationToken cancellationToken = default)
        => _fleet.CloseAsync(breakerKey, cancellationToken);
}
