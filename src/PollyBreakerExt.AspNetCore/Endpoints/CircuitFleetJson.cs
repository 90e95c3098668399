namespace PollyBreakerExt;

/// <summary>The fleet a breaker belongs to (DESIGN W1): this replica's id and whether it is connected.</summary>
internal sealed record CircuitFleetJson(string ReplicaId, bool Connected);
