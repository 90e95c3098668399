namespace PollyBreakerExt;

/// <summary>
/// What the operator endpoints read and do: the registry's breakers with their history, by breaker key.
/// </summary>
internal sealed class CircuitDashboard
{
    private readonly SlowCallCircuitBreakerRegistry _registry;
    private readonly ICircuitBreakerFleetControl? _fleet;

    public CircuitDashboard(SlowCallCircuitBreakerRegistry registry, TimeProvider timeProvider, ICircuitBreakerFleetControl? fleet = null)
    {
        _registry = registry;
        TimeProvider = timeProvider;
        _fleet = fleet;
    }

    public TimeProvider TimeProvider { get; }

    public CircuitBreakerHistory History => _registry.History;

    public CircuitRatioHistory Ratios { get; } = new();

    /// <summary>Gets every live breaker, in the one JSON shape the project prints a breaker in.</summary>
    public IReadOnlyList<SlowCallCircuitBreakerStatus> List() => SlowCallCircuitBreakerStatus.ListAll(_registry, _fleet, TimeProvider);

    /// <summary>Gets the breaker's transitions, newest first, or <see langword="null"/> when no live breaker has the key.</summary>
    public CircuitTransitionJson[]? Events(string key)
        => History.RingsByKey().GetValueOrDefault(key) is { } ring
            ? Array.ConvertAll(ring.NewestFirst(), transition => CircuitTransitionJson.Of(null, transition))
            : null;

    /// <summary>
    /// Isolates the breaker: on every replica when it is in the fleet (W1), else here; <see langword="false"/> when no
    /// live breaker has the key.
    /// </summary>
    /// <exception cref="Exception">The fleet failed to send the isolation: it may hold on this replica only.</exception>
    public Task<bool> IsolateAsync(string key) => CommandAsync(key, isolate: true);

    /// <summary>Closes the breaker: on every replica when it is in the fleet, else here; <see langword="false"/> when no live breaker has the key.</summary>
    /// <exception cref="Exception">The fleet failed to send the close: it may hold on this replica only.</exception>
    public Task<bool> CloseAsync(string key) => CommandAsync(key, isolate: false);

    private async Task<bool> CommandAsync(string key, bool isolate)
    {
        if (Find(key) is not { PipelineName: not null } breaker)
        {
            return false;
        }

        // The operator meant it: a client that hangs up does not cancel the command halfway.
        var token = CancellationToken.None;
        if (_fleet is not null && breaker.FleetKey is { } fleetKey)
        {
            await (isolate ? _fleet.IsolateAsync(fleetKey, token) : _fleet.CloseAsync(fleetKey, token)).ConfigureAwait(false);
        }
        else
        {
            // By the breaker's key, so a keyed strategy's key is steered alone, not with its siblings.
            await (isolate ? _registry.IsolateByKeyAsync(key, token) : _registry.CloseByKeyAsync(key, token)).ConfigureAwait(false);
        }

        return true;
    }

    private SlowCallCircuitBreakerSnapshot? Find(string key)
        => _registry.GetBreakers().FirstOrDefault(breaker => string.Equals(breaker.Key, key, StringComparison.Ordinal));
}
