namespace PollyBreakerExt;

/// <summary>
/// What the operator endpoints read and do: the registry's breakers with their history, by breaker key.
/// </summary>
internal sealed class CircuitDashboard
{
    private readonly SlowCallCircuitBreakerRegistry _registry;

    public CircuitDashboard(SlowCallCircuitBreakerRegistry registry, TimeProvider timeProvider)
    {
        _registry = registry;
        TimeProvider = timeProvider;
    }

    public TimeProvider TimeProvider { get; }

    public CircuitBreakerHistory History => _registry.History;

    public CircuitRatioHistory Ratios { get; } = new();

    public List<CircuitBreakerJson> List()
    {
        var rings = History.RingsByKey();
        var breakers = new List<CircuitBreakerJson>();
        foreach (var snapshot in _registry.GetBreakers())
        {
            var key = CircuitBreakerKey.Of(snapshot);
            var ring = rings.GetValueOrDefault(key);
            breakers.Add(new CircuitBreakerJson(
                key,
                snapshot.PipelineName,
                snapshot.PipelineInstanceName,
                snapshot.StrategyName,
                snapshot.State,
                ring?.Last?.Reason,
                ring?.StateSince ?? TimeProvider.GetUtcNow(),
                snapshot.RetryAfter is { } retryAfter ? (long)Math.Ceiling(retryAfter.TotalMilliseconds) : null,
                CircuitMetricsJson.From(snapshot.Metrics),
                History.RejectedCalls(snapshot.PipelineName, snapshot.PipelineInstanceName, snapshot.StrategyName),
                FleetOf(key)));
        }

        return breakers;
    }

    /// <summary>Gets the breaker's transitions, newest first, or <see langword="null"/> when no live breaker has the key.</summary>
    public CircuitTransitionJson[]? Events(string key)
        => History.RingsByKey().GetValueOrDefault(key) is { } ring
            ? Array.ConvertAll(ring.NewestFirst(), transition => CircuitTransitionJson.Of(null, transition))
            : null;

    /// <summary>Isolates the breaker; <see langword="false"/> when no live breaker has the key.</summary>
    public async Task<bool> IsolateAsync(string key)
    {
        if (Find(key) is not { PipelineName: { } pipelineName } breaker)
        {
            return false;
        }

        // The operator meant it: a client that hangs up does not cancel the isolation halfway.
        await _registry.IsolateAsync(pipelineName, breaker.PipelineInstanceName, breaker.StrategyName, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>Closes the breaker; <see langword="false"/> when no live breaker has the key.</summary>
    public async Task<bool> CloseAsync(string key)
    {
        if (Find(key) is not { PipelineName: { } pipelineName } breaker)
        {
            return false;
        }

        await _registry.CloseAsync(pipelineName, breaker.PipelineInstanceName, breaker.StrategyName, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The fleet seam (W1): returns null until a fleet is registered. The fleet's engineer looks up the registered fleet
    /// here (replica id, connected), and makes <see cref="IsolateAsync"/> and <see cref="CloseAsync"/> act fleet-wide.
    /// </summary>
    private static CircuitFleetJson? FleetOf(string key)
    {
        _ = key;
        return null;
    }

    private SlowCallCircuitBreakerSnapshot? Find(string key)
        => _registry.GetBreakers().FirstOrDefault(breaker => string.Equals(CircuitBreakerKey.Of(breaker), key, StringComparison.Ordinal));
}
