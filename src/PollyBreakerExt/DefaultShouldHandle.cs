using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The default failure predicate: any exception except <see cref="OperationCanceledException"/>.
/// </summary>
/// <remarks>The breaker recognises this instance and classifies outcomes without calling it, and without boxing results.</remarks>
internal static class DefaultShouldHandle<TResult>
{
    public static readonly Func<CircuitBreakerPredicateArguments<TResult>, ValueTask<bool>> Predicate =
        static args => new(IsFailure(args.Outcome.Exception));

    public static bool IsFailure(Exception? exception) => exception is not null and not OperationCanceledException;
}
