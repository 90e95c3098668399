using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Reports every breaker of the registry: healthy when all are closed, degraded while any is not, and the registration's
/// failure status (unhealthy by default) while a breaker of a critical pipeline is not closed.
/// </summary>
/// <remarks>
/// <see cref="HealthCheckResult.Data"/> holds one <see cref="SlowCallCircuitBreakerSnapshot"/> per breaker, keyed
/// <c>pipeline[instance]/strategy</c>: state, calls, failures, slow calls, ratios and retry-after.
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
        var breakers = _registry.GetBreakers();
        var data = new Dictionary<string, object>(breakers.Count, StringComparer.Ordinal);
        var critical = new List<string>();
        var others = new List<string>();
        foreach (var breaker in breakers)
        {
            var key = Key(breaker);
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

    private static string Key(SlowCallCircuitBreakerSnapshot breaker)
        => (breaker.PipelineInstanceName is null
            ? $"{breaker.PipelineName}/{breaker.StrategyName}"
            : $"{breaker.PipelineName}[{breaker.PipelineInstanceName}]/{breaker.StrategyName}")
            + (breaker.BreakerKey is null ? null : $"/{breaker.BreakerKey}");

    private static string Describe(string key, SlowCallCircuitBreakerSnapshot breaker)
        => breaker.RetryAfter is { } retryAfter
            ? string.Create(CultureInfo.InvariantCulture, $"{key} is {breaker.State} (retry after {retryAfter.TotalSeconds:0.###} s)")
            : $"{key} is {breaker.State}";
}
