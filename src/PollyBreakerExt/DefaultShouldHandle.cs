using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The default failure predicate: every exception, an <see cref="OperationCanceledException"/> included.
/// </summary>
/// <remarks>
/// The caller's own cancellation never reaches it: the breaker ignores that before asking. Any other cancellation — an
/// <c>HttpClient</c> timeout, a timeout strategy inside the breaker — is the dependency failing to answer in time.
/// The breaker recognises this instance and classifies outcomes without calling it, and without boxing results.
/// </remarks>
internal static class DefaultShouldHandle<TResult>
{
    public static readonly Func<CircuitBreakerPredicateArguments<TResult>, ValueTask<bool>> Predicate =
        static args => new(IsFailure(args.Outcome.Exception));

    public static bool IsFailure(Exception? exception) => exception is not null;
}
