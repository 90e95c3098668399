using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace PollyBreakerExt;

/// <summary>
/// Options of the slow-call circuit breaker for <see cref="HttpClient"/> pipelines, whose <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.ShouldHandle"/>
/// treats transient HTTP outcomes as failures.
/// </summary>
/// <remarks>
/// Failures are what <see cref="HttpClientResiliencePredicates.IsTransient(Polly.Outcome{HttpResponseMessage})"/>
/// calls transient, as Microsoft.Extensions.Http.Resilience's own retry and breaker do: responses with a status code of
/// 500 or more, 408 (Request Timeout) or 429 (Too Many Requests); the exceptions <see cref="HttpRequestException"/> (the
/// connection failed) and <see cref="TimeoutRejectedException"/> (a Polly timeout inside the breaker fired); and an
/// <see cref="OperationCanceledException"/> that is not the caller's (an <see cref="HttpClient.Timeout"/>; the caller's own
/// cancellation is ignored before the predicate is asked). Every other
/// response, including the other 4xx codes, is a success: the service answered, and a client error says nothing about
/// its health.
/// </remarks>
public class HttpSlowCallCircuitBreakerStrategyOptions : SlowCallCircuitBreakerStrategyOptions<HttpResponseMessage>
{
    /// <summary>
    /// Initializes a new instance of the <see cref="HttpSlowCallCircuitBreakerStrategyOptions"/> class.
    /// </summary>
    public HttpSlowCallCircuitBreakerStrategyOptions()
        => ShouldHandle = static args => new(
            HttpClientResiliencePredicates.IsTransient(args.Outcome) || args.Outcome.Exception is OperationCanceledException);

    /// <summary>
    /// Gets or sets whether each authority (scheme, host and port of the request's URI) gets a breaker of its own: setting
    /// it sets <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.KeySelector"/> to a selector that reads the
    /// authority of the request the resilience handler is sending; clearing it clears that selector. Defaults to
    /// <see langword="false"/>: one breaker for every request of the client.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Bindable from configuration (<c>"CircuitBreaker": { "PerAuthority": true }</c>). Unlike <c>SelectPipelineByAuthority()</c>,
    /// which builds a whole pipeline per authority and keeps it for the life of the container, the breakers of this option
    /// are bounded: beyond <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.MaxKeys"/> the least recently used
    /// closed ones are forgotten, and so is one unused for <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.KeyIdleTimeout"/>;
    /// the retry and timeouts stay shared. Each authority's breaker is listed in the registry as
    /// <c>{pipeline}/{strategy}/{authority}</c>.
    /// </para>
    /// <para>
    /// A request without an absolute URI goes through the shared default breaker. Reads <see langword="true"/> only while
    /// the selector is this option's: a <c>KeySelector</c> set afterwards replaces it.
    /// </para>
    /// </remarks>
    public bool PerAuthority
    {
        get => KeySelector == AuthoritySelector;
        set
        {
            if (value)
            {
                KeySelector = AuthoritySelector;
            }
            else if (KeySelector == AuthoritySelector)
            {
                KeySelector = null;
            }
        }
    }

    // One delegate for every options object, so PerAuthority can tell it is set.
    private static readonly Func<ResilienceContext, string?> AuthoritySelector = AuthorityOf;

    private static string? AuthorityOf(ResilienceContext context)
        => context.GetRequestMessage()?.RequestUri is { IsAbsoluteUri: true } uri ? uri.GetLeftPart(UriPartial.Authority) : null;
}
