using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Demo.ProductApi;

/// <summary>
/// The demo's own health check over the registry, standing in for the library's <c>AddSlowCallCircuitBreakers()</c>
/// (issue 4) until it ships, with the same rules: Healthy when every breaker is closed, Degraded while any is not; the
/// data holds each breaker's state, failures, slow calls, ratios and retry-after.
/// </summary>
public sealed class CircuitBreakersHealthCheck : IHealthCheck
{
    private readonly SlowCallCircuitBreakerRegistry _registry;

    public CircuitBreakersHealthCheck(SlowCallCircuitBreakerRegistry registry) => _registry = registry;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var breakers = _registry.GetBreakers();
        var data = breakers.ToDictionary(CircuitSnapshotJson.Name, breaker => (object)CircuitSnapshotJson.Describe(breaker));
        var notClosed = breakers.Where(breaker => breaker.State != CircuitState.Closed).ToList();

        var result = notClosed.Count == 0
            ? HealthCheckResult.Healthy($"{breakers.Count} circuit breaker(s), all closed.", data)
            : HealthCheckResult.Degraded(
                string.Join(", ", notClosed.Select(breaker => $"{CircuitSnapshotJson.Name(breaker)} is {CircuitSnapshotJson.State(breaker.State)}")),
                data: data);
        return Task.FromResult(result);
    }
}
