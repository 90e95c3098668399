using System.Text.Json.Serialization;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// One transition, as <c>GET {pattern}/{key}/events</c> lists it and the stream sends it (there with the breaker's key).
/// </summary>
internal sealed record CircuitTransitionJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key,
    DateTimeOffset At,
    CircuitState From,
    CircuitState To,
    CircuitTransitionReason Reason)
{
    public static CircuitTransitionJson Of(string? key, CircuitBreakerTransitionRecord transition)
        => new(key, transition.At, transition.From, transition.To, transition.Reason);
}
