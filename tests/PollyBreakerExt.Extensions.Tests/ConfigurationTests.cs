using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace PollyBreakerExt.Extensions.Tests;

/// <summary>
/// Binding breaker and handler options from JSON, validating them at startup, and reloading them.
/// </summary>
public sealed class ConfigurationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private UpstreamServer _server = null!;

    public async Task InitializeAsync() => _server = await UpstreamServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Breaker_options_bind_from_json_with_durations_as_time_spans_enums_by_name_and_null_turning_a_condition_off()
    {
        var configuration = Json("""
            {
              "Orders": {
                "Breaker": {
                  "Name": "orders-breaker",
                  "SlidingWindowType": "CountBased",
                  "SamplingDuration": "00:00:30",
                  "SlidingWindowSize": 20,
                  "MinimumThroughput": 5,
                  "FailureThreshold": null,
                  "FailureRatio": 0.25,
                  "SlowCallDurationThreshold": "00:00:02.500",
                  "SlowCallRatio": 0.75,
                  "BreakDuration": "00:01:00",
                  "SuccessThreshold": 3,
                  "RecoveryRampUp": "00:02:00",
                  "MaxKeys": 500,
                  "KeyIdleTimeout": "00:05:00"
                }
              }
            }
            """);
        using var services = new ServiceCollection()
            .Configure<SlowCallCircuitBreakerStrategyOptions>("orders", configuration.GetSection("Orders:Breaker"))
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<SlowCallCircuitBreakerStrategyOptions>>().Get("orders");

        Assert.Equal("orders-breaker", options.Name);
        Assert.Equal(SlidingWindowType.CountBased, options.SlidingWindowType);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SamplingDuration);
        Assert.Equal(20, options.SlidingWindowSize);
        Assert.Equal(5, options.MinimumThroughput);
        Assert.Null(options.FailureThreshold);
        Assert.Equal(0.25, options.FailureRatio);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.SlowCallDurationThreshold);
        Assert.Equal(0.75, options.SlowCallRatio);
        Assert.Equal(TimeSpan.FromMinutes(1), options.BreakDuration);
        Assert.Equal(3, options.SuccessThreshold);
        Assert.Equal(TimeSpan.FromMinutes(2), options.RecoveryRampUp);
        Assert.Equal(500, options.MaxKeys);
        Assert.Equal(TimeSpan.FromMinutes(5), options.KeyIdleTimeout);
        Assert.Null(options.KeySelector); // code only: a function does not bind
    }

    [Fact]
    public void Handler_options_bind_from_json_for_all_four_strategies()
    {
        var configuration = Json("""
            {
              "Payments": {
                "Resilience": {
                  "CircuitBreaker": { "FailureThreshold": 4, "BreakDuration": "00:00:15", "SlidingWindowType": "CountBased", "SlidingWindowSize": 50 },
                  "TotalRequestTimeout": { "Timeout": "00:00:20" },
                  "Retry": { "MaxRetryAttempts": 5, "Delay": "00:00:00.200", "BackoffType": "Constant", "UseJitter": false },
                  "AttemptTimeout": { "Timeout": "00:00:04" }
                }
              }
            }
            """);
        using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments")
            .AddSlowCallResilienceHandler(configuration.GetSection("Payments:Resilience")));

        var options = services.GetRequiredService<IOptionsMonitor<HttpSlowCallResilienceOptions>>().Get("payments-slowcall");

        Assert.Equal(4, options.CircuitBreaker.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(15), options.CircuitBreaker.BreakDuration);
        Assert.Equal(SlidingWindowType.CountBased, options.CircuitBreaker.SlidingWindowType);
        Assert.Equal(50, options.CircuitBreaker.SlidingWindowSize);
        Assert.Equal("SlowCall-CircuitBreaker", options.CircuitBreaker.Name); // defaults the section does not set stay
        Assert.Equal(TimeSpan.FromSeconds(20), options.TotalRequestTimeout.Timeout);
        Assert.Equal(5, options.Retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Retry.Delay);
        Assert.Equal(DelayBackoffType.Constant, options.Retry.BackoffType);
        Assert.False(options.Retry.UseJitter);
        Assert.Equal(TimeSpan.FromSeconds(4), options.AttemptTimeout.Timeout);
    }

    [Fact]
    public async Task Json_configuration_drives_the_handlers_breaker()
    {
        _server.RespondWith(500);
        var configuration = Json("""
            {
              "Payments": {
                "CircuitBreaker": { "FailureThreshold": 2 },
                "Retry": { "MaxRetryAttempts": 1, "Delay": "00:00:00" }
              }
            }
            """);
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments", client => client.BaseAddress = _server.BaseAddress)
            .AddSlowCallResilienceHandler(configuration.GetSection("Payments")));
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");

        using (await client.GetAsync("/"))
        using (await client.GetAsync("/"))
        {
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));
        Assert.Equal(4, _server.Requests);
    }

    [Theory]
    [InlineData("""{ "CircuitBreaker": { "SlowCallRatio": 2 } }""", "'Payments:Resilience:CircuitBreaker:SlowCallRatio'")]
    [InlineData("""{ "CircuitBreaker": { "FailureThreshold": null, "SlowCallDurationThreshold": null } }""", "'Payments:Resilience:CircuitBreaker:FailureThreshold'")]
    [InlineData("""{ "CircuitBreaker": { "SlidingWindowType": "CountBased", "SlidingWindowSize": 5 } }""", "'Payments:Resilience:CircuitBreaker:MinimumThroughput'")]
    [InlineData("""{ "Retry": { "MaxRetryAttempts": 0 } }""", "'Payments:Resilience:Retry:MaxRetryAttempts'")]
    [InlineData("""{ "AttemptTimeout": { "Timeout": "00:00:00.001" } }""", "'Payments:Resilience:AttemptTimeout:Timeout'")]
    [InlineData("""{ "AttemptTimeout": { "Timeout": "00:01:00" } }""", "'Payments:Resilience:AttemptTimeout:Timeout', 'Payments:Resilience:TotalRequestTimeout:Timeout'")]
    [InlineData("""{ "CircuitBreaker": { "SlowCallDurationThreshold": "00:00:45" } }""", "'Payments:Resilience:CircuitBreaker:SlowCallDurationThreshold'")]
    public async Task Invalid_configuration_stops_the_host_at_startup_naming_the_offending_key(string section, string expectedKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""{ "Payments": { "Resilience": {{section}} } }""")));
        builder.Services.AddHttpClient("payments").AddSlowCallResilienceHandler(builder.Configuration.GetSection("Payments:Resilience"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Invalid configuration at {expectedKey}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "CircuitBreaker": { "SlidingWindowType": "Sideways" } }""", "Payments:Resilience:CircuitBreaker:SlidingWindowType")]
    [InlineData("""{ "TotalRequestTimeout": { "Timeout": "thirty seconds" } }""", "Payments:Resilience:TotalRequestTimeout:Timeout")]
    public async Task Unreadable_configuration_values_stop_the_host_at_startup_naming_the_key(string section, string expectedKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""{ "Payments": { "Resilience": {{section}} } }""")));
        builder.Services.AddHttpClient("payments").AddSlowCallResilienceHandler(builder.Configuration.GetSection("Payments:Resilience"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains(expectedKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_set_in_code_stop_the_host_at_startup_naming_the_option()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHttpClient("payments").AddSlowCallResilienceHandler(options => options.CircuitBreaker.SuccessThreshold = 0);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Invalid HttpSlowCallResilienceOptions 'payments-slowcall' at 'CircuitBreaker:SuccessThreshold'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_strategy_set_to_null_in_code_stops_the_host_naming_it()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHttpClient("payments").AddSlowCallResilienceHandler(options => options.Retry = null!);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Invalid HttpSlowCallResilienceOptions 'payments-slowcall' at 'Retry': Retry is required.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_change_reloads_a_DI_pipeline_with_a_fresh_breaker_built_from_the_new_options()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orders:Breaker:FailureThreshold"] = "1" })
            .Build();
        await using var services = TestServices.Build(_time, services => services
            .Configure<SlowCallCircuitBreakerStrategyOptions>("orders", configuration.GetSection("Orders:Breaker"))
            .AddResiliencePipeline("orders", (builder, context) =>
            {
                context.EnableReloads<SlowCallCircuitBreakerStrategyOptions>("orders");
                builder.AddSlowCallCircuitBreaker(context.GetOptions<SlowCallCircuitBreakerStrategyOptions>("orders"));
            }));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Fail(pipeline);
        Assert.Equal(CircuitState.Open, services.Breaker("orders").State);

        configuration["Orders:Breaker:FailureThreshold"] = "3";
        configuration.Reload();

        // The reloaded pipeline has a new breaker: closed, empty, and tripping at the new threshold.
        var breaker = services.Breaker("orders");
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.Calls);
        Fail(pipeline);
        Fail(pipeline);
        Assert.Equal(CircuitState.Closed, services.Breaker("orders").State);
        Fail(pipeline);
        Assert.Equal(CircuitState.Open, services.Breaker("orders").State);
    }

    [Fact]
    public async Task A_configuration_change_reloads_the_handler_with_a_fresh_breaker()
    {
        _server.RespondWith(500);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Payments:CircuitBreaker:FailureThreshold"] = "1",
                ["Payments:Retry:MaxRetryAttempts"] = "1",
                ["Payments:Retry:Delay"] = "00:00:00",
            })
            .Build();
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments", client => client.BaseAddress = _server.BaseAddress)
            .AddSlowCallResilienceHandler(configuration.GetSection("Payments")));
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");
        using (await client.GetAsync("/"))
        {
        }

        Assert.Equal(CircuitState.Open, services.Breaker("payments-slowcall").State);

        configuration["Payments:CircuitBreaker:FailureThreshold"] = "5";
        configuration.Reload();

        Assert.Equal(CircuitState.Closed, services.Breaker("payments-slowcall").State);
        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(4, _server.Requests);
    }

    [Fact]
    public async Task A_reload_to_invalid_configuration_is_refused_with_the_key_and_the_running_breaker_stays()
    {
        _server.RespondWith(500);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Payments:CircuitBreaker:FailureThreshold"] = "1",
                ["Payments:Retry:MaxRetryAttempts"] = "1",
                ["Payments:Retry:Delay"] = "00:00:00",
            })
            .Build();
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient("payments", client => client.BaseAddress = _server.BaseAddress)
            .AddSlowCallResilienceHandler(configuration.GetSection("Payments")));
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");
        using (await client.GetAsync("/"))
        {
        }

        configuration["Payments:CircuitBreaker:SlowCallRatio"] = "2";
        var error = Record.Exception(configuration.Reload);

        // The options monitor throws from the reload, so Polly never hears of the change and keeps the running pipeline.
        var invalid = Assert.IsType<OptionsValidationException>(Assert.IsType<AggregateException>(error).InnerException);
        Assert.Contains("Invalid configuration at 'Payments:CircuitBreaker:SlowCallRatio'", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(CircuitState.Open, services.Breaker("payments-slowcall").State);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));

        // A later valid change still reloads.
        configuration["Payments:CircuitBreaker:SlowCallRatio"] = "0.5";
        configuration.Reload();
        Assert.Equal(CircuitState.Closed, services.Breaker("payments-slowcall").State);
    }

    [Fact]
    public async Task Validated_DI_pipeline_options_refuse_an_invalid_reload_and_keep_following_changes()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orders:Breaker:FailureThreshold"] = "1" })
            .Build();
        await using var services = TestServices.Build(_time, services =>
        {
            services.AddOptions<SlowCallCircuitBreakerStrategyOptions>("orders")
                .Bind(configuration.GetSection("Orders:Breaker"))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddResiliencePipeline("orders", (builder, context) =>
            {
                context.EnableReloads<SlowCallCircuitBreakerStrategyOptions>("orders");
                builder.AddSlowCallCircuitBreaker(context.GetOptions<SlowCallCircuitBreakerStrategyOptions>("orders"));
            });
        });
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Fail(pipeline);

        // The data-annotation validator runs the breaker's own rules, so the options monitor refuses the change.
        configuration["Orders:Breaker:SlowCallRatio"] = "2";
        var error = Record.Exception(configuration.Reload);

        var invalid = Assert.IsType<OptionsValidationException>(Assert.IsType<AggregateException>(error).InnerException);
        Assert.Contains("SlowCallRatio must be more than 0 and at most 1 (was 2)", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(CircuitState.Open, services.Breaker("orders").State);

        configuration["Orders:Breaker:SlowCallRatio"] = "0.5";
        configuration.Reload();

        Assert.Equal(CircuitState.Closed, services.Breaker("orders").State);
    }

    [Fact]
    public async Task Unvalidated_DI_pipeline_options_with_an_invalid_reload_keep_the_running_breaker_and_stop_following_changes()
    {
        // Polly's own behaviour, pinned here because README.md (Configuration) describes it.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orders:Breaker:FailureThreshold"] = "1" })
            .Build();
        await using var services = TestServices.Build(_time, services => services
            .Configure<SlowCallCircuitBreakerStrategyOptions>("orders", configuration.GetSection("Orders:Breaker"))
            .AddResiliencePipeline("orders", (builder, context) =>
            {
                context.EnableReloads<SlowCallCircuitBreakerStrategyOptions>("orders");
                builder.AddSlowCallCircuitBreaker(context.GetOptions<SlowCallCircuitBreakerStrategyOptions>("orders"));
            }));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Fail(pipeline);

        configuration["Orders:Breaker:SlowCallRatio"] = "2";
        configuration.Reload();
        configuration["Orders:Breaker:SlowCallRatio"] = "0.5";
        configuration.Reload();

        Assert.Equal(CircuitState.Open, services.Breaker("orders").State);
        Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(() => { }));
    }

    private static void Fail(ResiliencePipeline pipeline)
        => Assert.Throws<InvalidOperationException>(() => pipeline.Execute(static () => throw new InvalidOperationException("upstream failed")));

    private static IConfigurationRoot Json(string json)
        => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
}
