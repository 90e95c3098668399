using System.Runtime.CompilerServices;
using Polly;

namespace PollyBreakerExt;

/// <summary>
/// Outcomes of a call's result type as outcomes of the breaker's result type.
/// </summary>
internal static class Outcomes
{
    public static Outcome<T> As<TResult, T>(in Outcome<TResult> outcome)
    {
        if (typeof(TResult) == typeof(T))
        {
            return Unsafe.As<Outcome<TResult>, Outcome<T>>(ref Unsafe.AsRef(in outcome));
        }

        // Non-generic pipelines: only reached for a custom predicate or a transition, never on the default hot path.
        return outcome.Exception is { } exception
            ? Outcome.FromException<T>(exception)
            : Outcome.FromResult((T)(object)outcome.Result!);
    }
}
