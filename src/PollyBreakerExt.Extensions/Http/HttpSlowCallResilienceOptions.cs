using Microsoft.Extensions.Http.Resilience;

namespace PollyBreakerExt;

/// <summary>
/// Options of the handler added by <c>AddSlowCallResilienceHandler</c>: four strategies, from the outermost to the innermost,
/// slow-call circuit breaker → total request timeout → retry → attempt timeout.
/// </summary>
/// <remarks>
/// <para>
/// The breaker is outside the retry, so a request whose retries all fail is one failure, and an open breaker rejects at
/// once instead of feeding the retry loop. The timeouts are inside the breaker, so a hung upstream ends in a
/// <see cref="Polly.Timeout.TimeoutRejectedException"/> the breaker records as a failure (and, when it took long enough,
/// as slow), never in a cancellation it would ignore.
/// </para>
/// <para>
/// Bind it from configuration with the keys <c>CircuitBreaker</c>, <c>TotalRequestTimeout</c>, <c>Retry</c> and
/// <c>AttemptTimeout</c>; durations are written <c>"00:00:30"</c>, enumerations by name. The options are validated when the
/// host starts: every strategy's own rules, <c>AttemptTimeout:Timeout</c> at most <c>TotalRequestTimeout:Timeout</c>, and
/// <c>CircuitBreaker:SlowCallDurationThreshold</c> at most <c>TotalRequestTimeout:Timeout</c>.
/// </para>
/// </remarks>
public class HttpSlowCallResilienceOptions
{
    /// <summary>
    /// Gets or sets the options of the slow-call circuit breaker, the outermost strategy.
    /// </summary>
    /// <remarks>
    /// Defaults to a <see cref="HttpSlowCallCircuitBreakerStrategyOptions"/> named <c>SlowCall-CircuitBreaker</c>. With
    /// <c>SelectPipelineByAuthority()</c> every authority gets its own breaker built from these options, so leave
    /// <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.StateProvider"/> unset and read the breakers through
    /// <see cref="SlowCallCircuitBreakerRegistry"/>.
    /// </remarks>
    public HttpSlowCallCircuitBreakerStrategyOptions CircuitBreaker { get; set; } = new()
    {
        Name = SlowCallResilienceStrategyNames.CircuitBreaker,
    };

    /// <summary>
    /// Gets or sets the options of the timeout applied to the whole request, retries included.
    /// </summary>
    /// <remarks>Defaults to 30 seconds, named <c>SlowCall-TotalRequestTimeout</c>.</remarks>
    public HttpTimeoutStrategyOptions TotalRequestTimeout { get; set; } = new()
    {
        Name = SlowCallResilienceStrategyNames.TotalRequestTimeout,
    };

    /// <summary>
    /// Gets or sets the options of the retry, inside the total request timeout.
    /// </summary>
    /// <remarks>Defaults to the <see cref="HttpRetryStrategyOptions"/> defaults (3 retries, exponential back-off with jitter), named <c>SlowCall-Retry</c>.</remarks>
    public HttpRetryStrategyOptions Retry { get; set; } = new()
    {
        Name = SlowCallResilienceStrategyNames.Retry,
    };

    /// <summary>
    /// Gets or sets the options of the timeout applied to each attempt, the innermost strategy.
    /// </summary>
    /// <remarks>Defaults to 10 seconds, named <c>SlowCall-AttemptTimeout</c>. It must not exceed the total request timeout.</remarks>
    public HttpTimeoutStrategyOptions AttemptTimeout { get; set; } = new()
    {
        Timeout = TimeSpan.FromSeconds(10),
        Name = SlowCallResilienceStrategyNames.AttemptTimeout,
    };
}
