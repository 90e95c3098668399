using System.Text.Json.Serialization;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The state of one live slow-call circuit breaker when <see cref="SlowCallCircuitBreakerRegistry.GetBreakers"/> was called.
/// </summary>
public sealed class SlowCallCircuitBreakerSnapshot
{
    internal SlowCallCircuitBreakerSnapshot(
        string? pipelineName,
        string? pipelineInstanceName,
        string strategyName,
        CircuitState state,
        CircuitMetrics metrics,
        TimeSpan? retryAfter,
        string? fleetKey = null,
        string? breakerKey = null)
    {
        PipelineName = pipelineName;
        PipelineInstanceName = pipelineInstanceName;
        StrategyName = strategyName;
        State = state;
        Metrics = metrics;
        RetryAfter = retryAfter;
        FleetKey = fleetKey;
        BreakerKey = breakerKey;
    }

    /// <summary>
    /// Gets the name of the pipeline the breaker belongs to, as Polly's telemetry reports it: the name given to
    /// <c>AddResiliencePipeline</c>, or <c>{client}-{handler}</c> for an HttpClient resilience handler.
    /// </summary>
    public string? PipelineName { get; }

    /// <summary>
    /// Gets the pipeline instance name, or <see langword="null"/> when the pipeline has one instance; with
    /// <c>SelectPipelineByAuthority()</c> it is the authority (scheme, host and port) the breaker guards.
    /// </summary>
    public string? PipelineInstanceName { get; }

    /// <summary>Gets the breaker's strategy name: its options' <see cref="Polly.ResilienceStrategyOptions.Name"/>.</summary>
    public string StrategyName { get; }

    /// <summary>
    /// Gets the key of this breaker when its strategy has a <c>KeySelector</c>: each key has a breaker of its own, listed on
    /// its own; <see langword="null"/> for an unkeyed breaker and for a keyed strategy's shared default breaker.
    /// </summary>
    /// <remarks>Left out of JSON when <see langword="null"/>, so an unkeyed breaker serializes as before.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BreakerKey { get; }

    /// <summary>Gets the circuit's state.</summary>
    /// <remarks>Serialized to JSON by name (<c>"Open"</c>), so an endpoint returning snapshots reads well.</remarks>
    [JsonConverter(typeof(JsonStringEnumConverter<CircuitState>))]
    public CircuitState State { get; }

    /// <summary>Gets what the breaker's sliding window held.</summary>
    public CircuitMetrics Metrics { get; }

    /// <summary>Gets the time left until an open circuit lets a probe through; <see langword="null"/> unless <see cref="State"/> is <see cref="CircuitState.Open"/>.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Gets the breaker key: pipeline, instance and strategy name joined by <c>/</c>, empty parts left out, then
    /// <see cref="BreakerKey"/> when there is one (<c>orders/payments/tenant-42</c>), as the operator endpoints, the history,
    /// the dashboard and the container's fleet name the breaker.
    /// </summary>
    [JsonIgnore]
    public string Key => CircuitBreakerKey.Of(this);

    /// <summary>
    /// Gets the breaker's key in the container's fleet, or <see langword="null"/> when it is in none (or in a fleet its
    /// options named); for the operator endpoints, which steer it through the container's fleet control.
    /// </summary>
    [JsonIgnore]
    public string? FleetKey { get; }

    /// <inheritdoc/>
    public override string ToString()
        => $"{PipelineName}{(PipelineInstanceName is null ? null : $"[{PipelineInstanceName}]")}/{StrategyName}{(BreakerKey is null ? null : $"/{BreakerKey}")}: {State}, {Metrics}";
}
