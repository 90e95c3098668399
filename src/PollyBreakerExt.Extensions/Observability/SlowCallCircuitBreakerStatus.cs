using System.Text.Json.Serialization;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// One breaker as the project prints it everywhere: <c>GET /circuits</c>, the dashboard's stream, the health check's data
/// and the demo's <c>/health/circuits</c>. Serialized by any <see cref="System.Text.Json.JsonSerializer"/> call, whatever its
/// options, to the one JSON shape of DESIGN W3: <c>key</c>, <c>pipelineName</c>, <c>instanceName</c>, <c>strategyName</c>,
/// <c>state</c> (<c>"Open"</c>), <c>lastReason</c>, <c>stateSince</c>, <c>openSince</c>, <c>retryAfterMs</c>,
/// <c>metrics</c> {<c>calls</c>, <c>failures</c>, <c>slowCalls</c>, <c>failureRatio</c>, <c>slowCallRatio</c>},
/// <c>rejectedCalls</c> and <c>fleet</c> ({<c>replicaId</c>, <c>connected</c>} or null); and, for a key's breaker of a
/// keyed strategy (DESIGN W10), <c>breakerKey</c>.
/// </summary>
/// <remarks>
/// Its converter writes the shape by hand, so it is the same from reflection-based and source-generated serialization and
/// safe under trimming and native AOT.
/// </remarks>
[JsonConverter(typeof(SlowCallCircuitBreakerStatusJsonConverter))]
public sealed class SlowCallCircuitBreakerStatus
{
    private SlowCallCircuitBreakerStatus(
        SlowCallCircuitBreakerSnapshot snapshot,
        CircuitBreakerTransitionRing? ring,
        DateTimeOffset now,
        long rejectedCalls,
        ICircuitBreakerFleetControl? fleet)
    {
        Key = snapshot.Key;
        BreakerKey = snapshot.BreakerKey;
        PipelineName = snapshot.PipelineName;
        InstanceName = snapshot.PipelineInstanceName;
        StrategyName = snapshot.StrategyName;
        State = snapshot.State;
        LastReason = ring?.Last?.Reason;
        StateSince = ring?.StateSince ?? now;
        OpenSince = snapshot.State == CircuitState.Closed ? null : ring?.LeftClosedAt ?? StateSince;
        RetryAfterMs = snapshot.RetryAfter is { } retryAfter ? (long)Math.Ceiling(retryAfter.TotalMilliseconds) : null;
        Metrics = snapshot.Metrics;
        RejectedCalls = rejectedCalls;
        if (fleet is not null && snapshot.FleetKey is not null)
        {
            FleetReplicaId = fleet.ReplicaId;
            FleetConnected = fleet.IsConnected;
        }
    }

    /// <summary>Gets the breaker key: pipeline, instance and strategy name joined by <c>/</c>, empty parts left out, then a keyed strategy's key.</summary>
    public string Key { get; }

    /// <summary>
    /// Gets the key of a keyed strategy's breaker (<see cref="SlowCallCircuitBreakerSnapshot.BreakerKey"/>); <see langword="null"/>
    /// for any other breaker, and then left out of the JSON, so an unkeyed breaker's object keeps the shape of DESIGN W3.
    /// </summary>
    public string? BreakerKey { get; }

    /// <summary>Gets the pipeline's name.</summary>
    public string? PipelineName { get; }

    /// <summary>Gets the pipeline instance's name (an authority, say), or <see langword="null"/>.</summary>
    public string? InstanceName { get; }

    /// <summary>Gets the breaker's options' name.</summary>
    public string StrategyName { get; }

    /// <summary>Gets the circuit's state.</summary>
    public CircuitState State { get; }

    /// <summary>Gets why it last changed state; <see langword="null"/> when it never did.</summary>
    public CircuitTransitionReason? LastReason { get; }

    /// <summary>Gets when it entered its state: its last transition, or when the registry listed it.</summary>
    public DateTimeOffset StateSince { get; }

    /// <summary>Gets when the incident began: when it last left Closed, through every reopening since; <see langword="null"/> while closed.</summary>
    public DateTimeOffset? OpenSince { get; }

    /// <summary>Gets the milliseconds until an open circuit lets a probe through; <see langword="null"/> unless open.</summary>
    public long? RetryAfterMs { get; }

    /// <summary>Gets what its sliding window holds.</summary>
    public CircuitMetrics Metrics { get; }

    /// <summary>
    /// Gets how many calls it rejected since the registry was created, or for a key's breaker of a keyed strategy, since it
    /// was listed (a forgotten key built again starts at 0); a rate is the difference of two readings.
    /// </summary>
    public long RejectedCalls { get; }

    /// <summary>Gets this replica's id in the fleet the breaker belongs to (DESIGN W1), or <see langword="null"/> when it learns alone.</summary>
    public string? FleetReplicaId { get; }

    /// <summary>Gets whether that fleet reaches its peers; <see langword="false"/> when the breaker is in no fleet.</summary>
    public bool FleetConnected { get; }

    /// <summary>Gets every live breaker of <paramref name="registry"/>, with its history and fleet.</summary>
    /// <param name="registry">The container's registry.</param>
    /// <param name="fleet">The container's fleet control, or <see langword="null"/> when it has none.</param>
    /// <param name="timeProvider">The clock for a breaker listed this instant (none of its history yet); the system's by default.</param>
    /// <returns>One status per breaker, in the registry's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<SlowCallCircuitBreakerStatus> ListAll(
        SlowCallCircuitBreakerRegistry registry,
        ICircuitBreakerFleetControl? fleet = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(registry);

        var history = registry.History;
        var rings = history.RingsByKey();
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        var breakers = registry.GetBreakers();
        var statuses = new SlowCallCircuitBreakerStatus[breakers.Count];
        for (var i = 0; i < statuses.Length; i++)
        {
            var snapshot = breakers[i];
            statuses[i] = new SlowCallCircuitBreakerStatus(
                snapshot,
                rings.GetValueOrDefault(snapshot.Key),
                now,
                history.RejectedCalls(snapshot),
                fleet);
        }

        return statuses;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Key}: {State}, {Metrics}";
}
