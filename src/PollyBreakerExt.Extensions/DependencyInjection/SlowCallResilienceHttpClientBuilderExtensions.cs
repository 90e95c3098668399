using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PollyBreakerExt;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the slow-call resilience handler to HttpClients: the counterpart of <c>AddStandardResilienceHandler</c> with the
/// circuit breaker outside the retry.
/// </summary>
public static class SlowCallResilienceHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds a resilience handler of four strategies, from the outermost: slow-call circuit breaker → total request
    /// timeout → retry → attempt timeout, with the defaults of <see cref="HttpSlowCallResilienceOptions"/>.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <returns>The pipeline's builder: call <c>SelectPipelineByAuthority()</c> on it to get one breaker per authority.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The pipeline and its options are named <c>{client}-slowcall</c> (<see cref="IHttpResiliencePipelineBuilder.PipelineName"/>);
    /// configure the options further with <c>services.Configure&lt;HttpSlowCallResilienceOptions&gt;(pipelineName, ...)</c>.
    /// The options are validated when the host starts, and a change of the options rebuilds the pipeline, with a fresh breaker.
    /// The breakers are listed in <see cref="SlowCallCircuitBreakerRegistry"/>, which this call registers.
    /// </remarks>
    public static IHttpResiliencePipelineBuilder AddSlowCallResilienceHandler(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        return AddSlowCallResilienceHandlerCore(builder, configurationPath: null);
    }

    /// <summary>
    /// Adds the slow-call resilience handler (breaker → total request timeout → retry → attempt timeout) with options
    /// set by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The pipeline's builder: call <c>SelectPipelineByAuthority()</c> on it to get one breaker per authority.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <remarks>See <see cref="AddSlowCallResilienceHandler(IHttpClientBuilder)"/>.</remarks>
    public static IHttpResiliencePipelineBuilder AddSlowCallResilienceHandler(this IHttpClientBuilder builder, Action<HttpSlowCallResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        var pipeline = AddSlowCallResilienceHandlerCore(builder, configurationPath: null);
        builder.Services.Configure(pipeline.PipelineName, configure);
        return pipeline;
    }

    /// <summary>
    /// Adds the slow-call resilience handler (breaker → total request timeout → retry → attempt timeout) with options
    /// bound from <paramref name="section"/>, reloaded when the configuration changes.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="section">The section holding <c>CircuitBreaker</c>, <c>TotalRequestTimeout</c>, <c>Retry</c> and <c>AttemptTimeout</c>.</param>
    /// <returns>The pipeline's builder: call <c>SelectPipelineByAuthority()</c> on it to get one breaker per authority.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Durations are written <c>"00:00:30"</c> and enumerations by name. Invalid values stop the host at startup with an
    /// <see cref="OptionsValidationException"/> naming each offending configuration key. A configuration reload
    /// rebuilds the pipeline: the new breaker starts closed, with an empty window.
    /// </remarks>
    public static IHttpResiliencePipelineBuilder AddSlowCallResilienceHandler(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);

        var pipeline = AddSlowCallResilienceHandlerCore(builder, section.Path);
        builder.Services.Configure<HttpSlowCallResilienceOptions>(pipeline.PipelineName, section);
        return pipeline;
    }

    private static IHttpResiliencePipelineBuilder AddSlowCallResilienceHandlerCore(IHttpClientBuilder builder, string? configurationPath)
    {
        // The name AddResilienceHandler gives the pipeline; the options share it, as AddStandardResilienceHandler's do.
        var optionsName = $"{builder.Name}-{SlowCallResilienceStrategyNames.HandlerIdentifier}";

        builder.Services.AddSlowCallCircuitBreakerRegistry();
        builder.Services.AddOptions<HttpSlowCallResilienceOptions>(optionsName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HttpSlowCallResilienceOptions>>(
            new HttpSlowCallResilienceOptionsValidator(optionsName, configurationPath));

        var pipeline = builder.AddResilienceHandler(SlowCallResilienceStrategyNames.HandlerIdentifier, (pipelineBuilder, context) =>
        {
            context.EnableReloads<HttpSlowCallResilienceOptions>(optionsName);
            var options = context.GetOptions<HttpSlowCallResilienceOptions>(optionsName);

            pipelineBuilder
                .AddSlowCallCircuitBreaker(options.CircuitBreaker)
                .AddTimeout(options.TotalRequestTimeout)
                .AddRetry(options.Retry)
                .AddTimeout(options.AttemptTimeout);
        });

        Debug.Assert(pipeline.PipelineName == optionsName, "AddResilienceHandler names its pipeline {client}-{identifier}.");
        return pipeline;
    }
}
