using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Adds the slow-call circuit breaker to Polly pipelines.
/// </summary>
public static class SlowCallCircuitBreakerResiliencePipelineBuilderExtensions
{
    /// <summary>
    /// Adds a slow-call circuit breaker to a non-generic pipeline.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The breaker's options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ValidationException"><paramref name="options"/> are invalid.</exception>
    /// <remarks>Add it before a retry so that the retry runs inside the breaker: a call whose retries all fail is one failure.</remarks>
    // Polly validates the options with data annotations, by reflection over their properties. Every property of the options
    // is read by the breaker, so trimming keeps them and their attributes (Polly's own AddCircuitBreaker says the same); the
    // package consumer's native-AOT run in CI checks that a bad option is still refused by name.
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "All options members are preserved.")]
    public static ResiliencePipelineBuilder AddSlowCallCircuitBreaker(
        this ResiliencePipelineBuilder builder,
        SlowCallCircuitBreakerStrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);

        return builder.AddStrategy(
            context => new SlowCallCircuitBreakerResilienceStrategy(CreateController(options, context)),
            options);
    }

    /// <summary>
    /// Adds a slow-call circuit breaker to a generic pipeline.
    /// </summary>
    /// <typeparam name="TResult">The pipeline's result type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The breaker's options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ValidationException"><paramref name="options"/> are invalid.</exception>
    /// <remarks>Add it before a retry so that the retry runs inside the breaker: a call whose retries all fail is one failure.</remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "All options members are preserved (see above).")]
    public static ResiliencePipelineBuilder<TResult> AddSlowCallCircuitBreaker<TResult>(
        this ResiliencePipelineBuilder<TResult> builder,
        SlowCallCircuitBreakerStrategyOptions<TResult> options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);

        return builder.AddStrategy(
            context => new SlowCallCircuitBreakerResilienceStrategy<TResult>(CreateController(options, context)),
            options);
    }

    private static CircuitStateController<TResult> CreateController<TResult>(SlowCallCircuitBreakerStrategyOptions<TResult> options, StrategyBuilderContext context)
    {
        var controller = new CircuitStateController<TResult>(options, context.TimeProvider, context.Telemetry);

        var resilienceContext = ResilienceContextPool.Shared.Get();
        context.Telemetry.Report(
            new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated),
            resilienceContext,
            new OnSlowCallCircuitBreakerCreatedArguments(controller));
        ResilienceContextPool.Shared.Return(resilienceContext);

        return controller;
    }
}
