using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.ProductApi;

/// <summary>
/// The reference breaker's example FastAPI product API (docs/design.md), ported: <c>GET /products/{id}</c> through the slow-call
/// resilience handler (breaker outside retry) with a cache fallback, <c>GET /health/circuits</c> from the registry,
/// <c>GET /health</c> from health checks, <c>GET /metrics</c> for Prometheus, and the operator endpoints with the live
/// dashboard at <c>/circuits</c>.
/// </summary>
public static class ProductApiApp
{
    /// <summary>The HttpClient's name; the handler's pipeline is <c>product-service-slowcall</c>.</summary>
    public const string ClientName = "product-service";

    /// <summary>The name AddResilienceHandler gives the handler's pipeline, as the registry lists it.</summary>
    public const string PipelineName = ClientName + "-slowcall";

    /// <summary>Fast successful probes that close the breaker; also how many calls its half-open admits.</summary>
    public const int SuccessThreshold = 2;

    /// <summary>
    /// Builds the app. <paramref name="url"/> null listens on 127.0.0.1 at a free port; <paramref name="upstreamControl"/>,
    /// when given, adds <c>/upstream/phase</c> to switch the upstream's phase; <paramref name="configureServices"/> adds
    /// services (the fleet mode adds a Redis fleet).
    /// </summary>
    public static WebApplication Build(
        Uri? url,
        Uri upstream,
        DemoTimings timings,
        BreakerTransitionLog transitions,
        UpstreamBehavior? upstreamControl = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = LoopbackWebApp.CreateBuilder(url);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ProductCache>();
        builder.Services.AddHealthChecks().AddSlowCallCircuitBreakers();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddSlowCallCircuitBreakerInstrumentation().AddPrometheusExporter());

        builder.Services
            .AddHttpClient(ClientName, client =>
            {
                client.BaseAddress = upstream;
                client.Timeout = Timeout.InfiniteTimeSpan; // the handler's timeouts decide
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false }) // loopback only, whatever proxy the environment names
            .AddSlowCallResilienceHandler(options => Configure(options, timings, transitions));

        var app = builder.Build();
        var registry = app.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        transitions.ReadMetrics = () => registry.GetBreakers().FirstOrDefault(breaker => breaker.PipelineName == PipelineName)?.Metrics;

        app.MapGet("/products/{id:int}", ProductEndpoints.GetProductAsync);
        // Every breaker by its key, each in the one shape GET /circuits and /health's data show it.
        var fleet = app.Services.GetService<ICircuitBreakerFleetControl>();
        app.MapGet("/health/circuits", () => Results.Json(
            SlowCallCircuitBreakerStatus.ListAll(registry, fleet).ToDictionary(breaker => breaker.Key, StringComparer.Ordinal)));
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        app.MapPrometheusScrapingEndpoint(); // GET /metrics: both meters, for deploy/prometheus and deploy/grafana
        app.MapSlowCallCircuitBreakers("/circuits"); // the operator endpoints and dashboard; no authorization: loopback only

        if (upstreamControl is not null)
        {
            app.MapGet("/upstream/phase", () => Results.Json(new { phase = upstreamControl.Phase.ToString(), requests = upstreamControl.Requests }));
            app.MapMethods("/upstream/phase/{phase}", ["PUT", "POST"], (string phase) =>
            {
                if (!Enum.TryParse<UpstreamPhase>(phase, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                {
                    return Results.BadRequest(new { error = $"Unknown phase '{phase}'.", phases = Enum.GetNames<UpstreamPhase>() });
                }

                upstreamControl.Phase = parsed;
                return Results.Json(new { phase = parsed.ToString() });
            });
        }

        return app;
    }

    /// <summary>The breaker and retry, at the demo's speed: trips at half the calls failed or slow within the window.</summary>
    private static void Configure(HttpSlowCallResilienceOptions options, DemoTimings timings, BreakerTransitionLog transitions)
    {
        // snippet: demo-handler-options
        var breaker = options.CircuitBreaker;
        breaker.SlidingWindowType = SlidingWindowType.TimeBased;
        breaker.SamplingDuration = timings.SamplingDuration;
        breaker.MinimumThroughput = 10;
        breaker.FailureThreshold = null;
        breaker.FailureRatio = 0.5;
        breaker.SlowCallDurationThreshold = timings.SlowCallThreshold;
        breaker.SlowCallRatio = 0.5;
        breaker.BreakDuration = timings.BreakDuration;
        breaker.SuccessThreshold = SuccessThreshold;
        breaker.RecoveryRampUp = timings.RecoveryRampUp; // after the close, let traffic back in gradually
        breaker.OnStateChanged = transitions.OnStateChanged;

        options.TotalRequestTimeout.Timeout = timings.TotalRequestTimeout;
        options.AttemptTimeout.Timeout = timings.AttemptTimeout;
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.Delay = timings.RetryDelay;
        options.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        // end snippet
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return SlowCallCircuitBreakerHealthReportWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
    }
}
