using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Polly;

namespace PollyBreakerExt;

/// <summary>
/// Adds the slow-call circuit breaker to Polly pipelines.
/// </summary>
public static class SlowCallCircuitBreakerResiliencePipelineBuilderExtensions
{
    // The names of the slow-call breakers added to each builder; an entry goes when its builder is collected.
    private static readonly ConditionalWeakTable<ResiliencePipelineBuilderBase, HashSet<string>> NamesByBuilder = new();

    /// <summary>
    /// Adds a slow-call circuit breaker to a non-generic pipeline.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The breaker's options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ValidationException"><paramref name="options"/> are invalid, or the pipeline already has a slow-call breaker with their <c>Name</c>.</exception>
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

        var names = ClaimName(builder, options);
        builder.AddStrategy(
            context => options.KeySelector is null
                ? new SlowCallCircuitBreakerResilienceStrategy(CreateExecutor(options, context))
                : new KeyedSlowCallCircuitBreakerResilienceStrategy(new KeyedCircuitBreakers<object>(new CircuitBreakerFactory<object>(options, context))),
            options);
        names.Add(NameOf(options));
        return builder;
    }

    /// <summary>
    /// Adds a slow-call circuit breaker to a generic pipeline.
    /// </summary>
    /// <typeparam name="TResult">The pipeline's result type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The breaker's options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ValidationException"><paramref name="options"/> are invalid, or the pipeline already has a slow-call breaker with their <c>Name</c>.</exception>
    /// <remarks>Add it before a retry so that the retry runs inside the breaker: a call whose retries all fail is one failure.</remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "All options members are preserved (see above).")]
    public static ResiliencePipelineBuilder<TResult> AddSlowCallCircuitBreaker<TResult>(
        this ResiliencePipelineBuilder<TResult> builder,
        SlowCallCircuitBreakerStrategyOptions<TResult> options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);

        var names = ClaimName(builder, options);
        builder.AddStrategy(
            context => options.KeySelector is null
                ? new SlowCallCircuitBreakerResilienceStrategy<TResult>(CreateExecutor(options, context))
                : new KeyedSlowCallCircuitBreakerResilienceStrategy<TResult>(new KeyedCircuitBreakers<TResult>(new CircuitBreakerFactory<TResult>(options, context))),
            options);
        names.Add(NameOf(options));
        return builder;
    }

    private static string NameOf<TResult>(SlowCallCircuitBreakerStrategyOptions<TResult> options)
        => options.Name ?? SlowCallCircuitBreakerConstants.DefaultName;

    /// <summary>Refuses a second slow-call breaker of the same name in one pipeline: names are identities.</summary>
    private static HashSet<string> ClaimName<TResult>(ResiliencePipelineBuilderBase builder, SlowCallCircuitBreakerStrategyOptions<TResult> options)
    {
        var names = NamesByBuilder.GetValue(builder, static _ => new HashSet<string>(StringComparer.Ordinal));
        if (names.Contains(NameOf(options)))
        {
            throw new ValidationException(
                $"The pipeline already has a slow-call circuit breaker with Name '{NameOf(options)}': give each breaker its own Name (the registry, the fleet and dashboards know breakers by it).");
        }

        return names;
    }

    /// <summary>Reads the options and builds the breaker's parts, as Polly's <c>CreateStrategy</c> does.</summary>
    private static CircuitCallExecutor<TResult> CreateExecutor<TResult>(SlowCallCircuitBreakerStrategyOptions<TResult> options, StrategyBuilderContext context)
        => new CircuitBreakerFactory<TResult>(options, context).Create(key: null, isStrategysOwn: true);
}
