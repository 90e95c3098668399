using System.Net;
using Polly;
using Polly.Timeout;

namespace PollyBreakerExt;

/// <summary>
/// Options of the slow-call circuit breaker for <see cref="HttpClient"/> pipelines, whose <see cref="SlowCallCircuitBreakerStrategyOptions{TResult}.ShouldHandle"/>
/// treats transient HTTP outcomes as failures.
/// </summary>
/// <remarks>
/// Failures are responses with a status code of 500 or more, 408 (Request Timeout) or 429 (Too Many Requests), and the
/// exceptions <see cref="HttpRequestException"/> (the connection failed) and <see cref="TimeoutRejectedException"/> (a Polly
/// timeout inside the breaker fired). Every other response, including the other 4xx codes, is a success: the service
/// answered, and a client error says nothing about its health.
/// </remarks>
public class HttpSlowCallCircuitBreakerStrategyOptions : SlowCallCircuitBreakerStrategyOptions<HttpResponseMessage>
{
    /// <summary>
    /// Initializes a new instance of the <see cref="HttpSlowCallCircuitBreakerStrategyOptions"/> class.
    /// </summary>
    public HttpSlowCallCircuitBreakerStrategyOptions()
        => ShouldHandle = static args => new(IsTransient(args.Outcome));

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => IsTransient(response.StatusCode),
        _ => false,
    };

    private static bool IsTransient(HttpStatusCode statusCode)
        => (int)statusCode >= 500 || statusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}
