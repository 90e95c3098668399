using System.Text.Json.Serialization;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>One breaker as <c>GET {pattern}</c> and the stream's snapshots show it (DESIGN W3).</summary>
/// <param name="Key">The breaker key: pipeline, instance and strategy name joined by <c>/</c>, empty parts left out, then a keyed strategy's key.</param>
/// <param name="PipelineName">The pipeline's name.</param>
/// <param name="InstanceName">The pipeline instance's name (an authority, say), or null.</param>
/// <param name="StrategyName">The breaker's options' name.</param>
/// <param name="State">The circuit's state.</param>
/// <param name="LastReason">Why it last changed state; null when it never did.</param>
/// <param name="StateSince">When it entered its state: its last transition, or when the registry listed it.</param>
/// <param name="OpenSince">When the incident began: when it last left Closed, through every reopening since; null while closed.</param>
/// <param name="RetryAfterMs">Milliseconds until an open circuit lets a probe through; null unless open.</param>
/// <param name="Metrics">What its sliding window holds.</param>
/// <param name="RejectedCalls">Calls it rejected since the registry was created; a rate is the difference of two readings.</param>
/// <param name="Fleet">The fleet it belongs to (W1), or null when it learns alone.</param>
/// <param name="BreakerKey">The key of a keyed strategy's breaker (W10); left out of the JSON for any other breaker.</param>
internal sealed record CircuitBreakerJson(
    string Key,
    string? PipelineName,
    string? InstanceName,
    string StrategyName,
    CircuitState State,
    CircuitTransitionReason? LastReason,
    DateTimeOffset StateSince,
    DateTimeOffset? OpenSince,
    long? RetryAfterMs,
    CircuitMetricsJson Metrics,
    long RejectedCalls,
    CircuitFleetJson? Fleet,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BreakerKey = null);
