using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Polly.Registry;
using Polly.Retry;

namespace PollyBreakerExt.Extensions.Tests.Docs;

/// <summary>
/// The snippets of docs/integration.md, one method per section, so that the documentation keeps compiling.
/// </summary>
/// <remarks>Compiled, not run: they name hosts that do not exist here; the behaviour they show is tested elsewhere.</remarks>
internal static class IntegrationSnippets
{
    public static async Task PlainPipeline(HttpClient http, CancellationToken cancellationToken)
    {
        // snippet: integration-plain-pipeline
        var state = new SlowCallCircuitBreakerStateProvider();
        ResiliencePipeline<HttpResponseMessage> pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddSlowCallCircuitBreaker(new HttpSlowCallCircuitBreakerStrategyOptions
            {
                Name = "payment-api",
                FailureThreshold = 3,
                SlowCallDurationThreshold = TimeSpan.FromSeconds(2),
                StateProvider = state,
            })
            .AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2 }) // added later = inner
            .Build();

        using var response = await pipeline.ExecuteAsync(
            async token => await http.GetAsync(new Uri("https://payments.example/orders"), token),
            cancellationToken);
        Console.WriteLine($"{state.CircuitState}: {state.Metrics}");
        // end snippet
    }

    public static void DiPipeline(IServiceCollection services, IServiceProvider serviceProvider)
    {
        // snippet: integration-di-pipeline
        services.AddSlowCallCircuitBreakerRegistry();
        services.AddResiliencePipeline("orders", builder => builder
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "orders-breaker",
                FailureRatio = 0.5,
                SlowCallDurationThreshold = TimeSpan.FromSeconds(1),
            })
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2 }));

        // Wherever the pipeline is needed, inject ResiliencePipelineProvider<string> and:
        // ResiliencePipeline orders = pipelines.GetPipeline("orders");
        // end snippet
        ResiliencePipeline orders = serviceProvider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        GC.KeepAlive(orders);
    }

    public static void ResilienceHandler(IServiceCollection services)
    {
        // snippet: integration-resilience-handler
        services.AddSlowCallCircuitBreakerRegistry();
        services.AddHttpClient("inventory", client => client.BaseAddress = new Uri("https://inventory.example"))
            .AddResilienceHandler("breaker", builder => builder
                .AddSlowCallCircuitBreaker(new HttpSlowCallCircuitBreakerStrategyOptions
                {
                    SlowCallDurationThreshold = TimeSpan.FromSeconds(1),
                })
                .AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2 })
                .AddTimeout(TimeSpan.FromSeconds(5)))
            .SelectPipelineByAuthority();
        // end snippet
    }

    public static void PerAuthority(IServiceCollection services)
    {
        // snippet: integration-per-authority
        services.AddHttpClient("inventory")
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.PerAuthority = true; // one breaker per scheme://host:port, bounded
                options.CircuitBreaker.MaxKeys = 1_000;
                options.CircuitBreaker.KeyIdleTimeout = TimeSpan.FromMinutes(10);
            });
        // end snippet
    }

    public static void ReadyHandler(IServiceCollection services)
    {
        // snippet: integration-ready-handler
        services.AddHttpClient("payments", client => client.BaseAddress = new Uri("https://payments.example"))
            .AddSlowCallResilienceHandler(options =>
            {
                options.CircuitBreaker.SlowCallDurationThreshold = TimeSpan.FromSeconds(2);
                options.Retry.MaxRetryAttempts = 2;
                options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(3);
            })
            .SelectPipelineByAuthority();
        // end snippet
    }

    public static void ConcurrencyLimiter(IServiceCollection services)
    {
        // snippet: integration-concurrency-limiter
        var payments = services.AddHttpClient("payments", client => client.BaseAddress = new Uri("https://payments.example"));
        // Added first, so outermost: at most 1000 requests at once and none queued (the standard handler's defaults);
        // the next fails at once with RateLimiterRejectedException, which the breaker never sees.
        payments.AddResilienceHandler("limiter", pipeline => pipeline.AddConcurrencyLimiter(permitLimit: 1000, queueLimit: 0));
        payments.AddSlowCallResilienceHandler();
        // end snippet
    }

    public static void Configuration(WebApplicationBuilder builder, IServiceCollection services, IConfiguration configuration)
    {
        // snippet: integration-configuration-section
        builder.Services.AddHttpClient("payments")
            .AddSlowCallResilienceHandler(builder.Configuration.GetSection("Payments:Resilience"));
        // end snippet

        // snippet: integration-configuration-reload
        services.AddOptions<SlowCallCircuitBreakerStrategyOptions>("orders")
            .Bind(configuration.GetSection("Orders:Breaker"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddResiliencePipeline("orders", (builder, context) =>
        {
            context.EnableReloads<SlowCallCircuitBreakerStrategyOptions>("orders");
            builder.AddSlowCallCircuitBreaker(context.GetOptions<SlowCallCircuitBreakerStrategyOptions>("orders"));
        });
        // end snippet
    }

    public static void Registry(WebApplicationBuilder builder)
    {
        // snippet: integration-registry
        var app = builder.Build();
        app.MapGet("/circuits", (SlowCallCircuitBreakerRegistry registry) => SlowCallCircuitBreakerStatus.ListAll(registry));
        app.MapPost("/circuits/{pipeline}/isolate",
            async (string pipeline, SlowCallCircuitBreakerRegistry registry) => await registry.IsolateAsync(pipeline));
        app.MapPost("/circuits/{pipeline}/close",
            async (string pipeline, SlowCallCircuitBreakerRegistry registry) => await registry.CloseAsync(pipeline));
        // end snippet
    }
}
