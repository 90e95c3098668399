using Microsoft.Extensions.Http.Resilience;
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
}
