using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Reports every breaker of the registry: healthy when all are closed, degraded while any is not, and the registration's
/// failure status (unhealthy by default) while a breaker of a critical pipeline is not closed.
/// </summary>
/// <remarks>
/// <see cref="HealthCheckResult.Data"/> holds one <see cref="SlowCallCircuitBreakerStatus"/> per breaker, keyed by its
/// breaker key: the object <c>GET /circuits</c> shows, in the same JSON shape.
/// </remarks>
internal sealed class SlowCallCircuitBreakerHealthCheck : IHealthCheck
{
    private readonly SlowCallCircuitBreakerRegistry _registry;
    private readonly HashSet<string> _criticalPipelines;
    private readonly ICircuitBreakerFleetControl[] _fleets;

    public SlowCallCircuitBreakerHealthCheck(
        SlowCallCircuitBreakerRegistry registry,
        IEnumerable<string> criticalPipelines,
        IEnumerable<ICircuitBreakerFleetControl>? fleets = null)
    {
        _registry = registry;
        _criticalPipelines = new(criticalPipelines, StringComparer.Ordinal);
        _fleets = [.. fleets ?? []];
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The container's fleet control as the operator endpoints resolve it (the last registered), so both show the same.
        var breakers = SlowCallCircuitBreakerStatus.ListAll(_registry, _fleets.LastOrDefault());
        var data = new Dictionary<string, object>(breakers.Count, StringComparer.Ordinal);
        var critical = new List<string>();
        var others = new List<string>();
        foreach (var breaker in breakers)
        {
            var key = breaker.Key;
            data[key] = breaker;
            if (breaker.State == CircuitState.Closed)
            {
                continue;
            }

            var isCritical = breaker.PipelineName is { } pipelineName && _criticalPipelines.Contains(pipelineName);
            (isCritical ? critical : others).Add(Describe(key, breaker));
        }

        // A fleet that cannot reach its peers degrades: every breaker still works, but alone.
        var disconnected = _fleets.Where(static fleet => !fleet.IsConnected).Select(static fleet => $" Fleet replica {fleet.ReplicaId} is disconnected: its breakers work alone.");
        var fleetProblems = string.Concat(disconnected);

        var status = critical.Count > 0 ? context.Registration.FailureStatus
            : others.Count > 0 || fleetProblems.Length > 0 ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        var description = critical.Count + others.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"All {breakers.Count} circuit breaker(s) are closed.")
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{critical.Count + others.Count} of {breakers.Count} circuit breaker(s) are not closed: {string.Join("; ", critical.Concat(others))}.");
        description += fleetProblems;

        return Task.FromResult(new HealthCheckResult(status, description, exception: null, data));
    }

    private static string Describe(string key, SlowCallCircuitBreakerStatus breaker)
        => breaker.RetryAfterMs is { } retryAfterMs
            ? string.Create(CultureInfo.InvariantCulture, $"{key} is {breaker.State} (retry after {retryAfterMs / 1000.0:0.###} s)")
            : $"{key} is {breaker.State}";
}
