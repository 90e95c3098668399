using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>Adds a <see cref="SlowCallCircuitBreakerRecorder"/> to Polly pipelines.</summary>
public static class SlowCallCircuitBreakerRecorderResiliencePipelineBuilderExtensions
{
    /// <summary>
    /// Records every call that runs through the strategies added after this one. Add it right after
    /// <c>AddSlowCallCircuitBreaker</c>. A call is a failure when it ends in an exception, as with the breaker's default
    /// <c>ShouldHandle</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="recorder">Where calls are written.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="recorder"/> is <see langword="null"/>.</exception>
    // Polly validates strategy options by reflection; the recorder's have nothing beyond Polly's Name to validate.
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "The options have no members of their own.")]
    public static ResiliencePipelineBuilder AddSlowCallCircuitBreakerRecorder(this ResiliencePipelineBuilder builder, SlowCallCircuitBreakerRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(recorder);

        return builder.AddStrategy(
            context => new CallRecordingResilienceStrategy(recorder, context.TimeProvider),
            new RecorderStrategyOptions());
    }

    /// <summary>
    /// Records every call that runs through the strategies added after this one. Add it right after
    /// <c>AddSlowCallCircuitBreaker</c>, and give it the breaker's <c>ShouldHandle</c> so that failures are recorded as the
    /// breaker counts them (for example <c>new HttpSlowCallCircuitBreakerStrategyOptions().ShouldHandle</c>).
    /// </summary>
    /// <typeparam name="TResult">The pipeline's result type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="recorder">Where calls are written.</param>
    /// <param name="shouldHandle">Decides which outcomes are failures; <see langword="null"/>: every exception.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="recorder"/> is <see langword="null"/>.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "The options have no members of their own.")]
    public static ResiliencePipelineBuilder<TResult> AddSlowCallCircuitBreakerRecorder<TResult>(
        this ResiliencePipelineBuilder<TResult> builder,
        SlowCallCircuitBreakerRecorder recorder,
        Func<CircuitBreakerPredicateArguments<TResult>, ValueTask<bool>>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(recorder);

        return builder.AddStrategy(
            context => new CallRecordingResilienceStrategy<TResult>(recorder, context.TimeProvider, shouldHandle),
            new RecorderStrategyOptions());
    }

    private sealed class RecorderStrategyOptions : ResilienceStrategyOptions
    {
        public RecorderStrategyOptions() => Name = "SlowCallCircuitBreakerRecorder";
    }
}
