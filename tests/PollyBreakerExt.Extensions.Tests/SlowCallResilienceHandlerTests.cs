using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly.Timeout;

namespace PollyBreakerExt.Extensions.Tests;

/// <summary>
/// <c>AddSlowCallResilienceHandler</c>: breaker → total request timeout → retry → attempt timeout, against real servers.
/// </summary>
public sealed class SlowCallResilienceHandlerTests : IAsyncLifetime
{
    private const string Client = "payments";
    private const string PipelineName = "payments-slowcall";

    private readonly FakeTimeProvider _time = new();
    private UpstreamServer _server = null!;

    public async Task InitializeAsync() => _server = await UpstreamServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Each_failed_request_reaches_the_server_once_per_attempt_and_is_one_failure_for_the_breaker()
    {
        _server.RespondWith(500);
        await using var services = BuildServices(options =>
        {
            options.Retry.MaxRetryAttempts = 2;
            options.Retry.Delay = TimeSpan.Zero;
            options.CircuitBreaker.FailureThreshold = 3;
        });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        using (var response = await client.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        Assert.Equal(3, _server.Requests);
        var breaker = services.Breaker(PipelineName);
        Assert.Equal(new CircuitMetrics(Calls: 1, Failures: 1, SlowCalls: 0, FailureRatio: 1, SlowCallRatio: 0), breaker.Metrics);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal("SlowCall-CircuitBreaker", breaker.StrategyName);

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/");
        }

        Assert.Equal(9, _server.Requests);
        Assert.Equal(CircuitState.Open, services.Breaker(PipelineName).State);
    }

    [Fact]
    public async Task An_open_breaker_rejects_before_the_retry_so_the_server_sees_no_request()
    {
        _server.RespondWith(503);
        await using var services = BuildServices(options =>
        {
            options.Retry.MaxRetryAttempts = 3;
            options.Retry.Delay = TimeSpan.Zero;
            options.CircuitBreaker.FailureThreshold = 1;
        });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);
        using (await client.GetAsync("/"))
        {
        }

        Assert.Equal(4, _server.Requests);

        for (var i = 0; i < 5; i++)
        {
            var rejected = await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));
            Assert.NotNull(rejected.RetryAfter);
        }

        Assert.Equal(4, _server.Requests);
    }

    [Fact]
    public async Task A_hung_upstream_ends_in_a_timeout_the_breaker_records_as_a_failure_not_an_ignored_cancellation()
    {
        _server.HoldRequests();
        await using var services = BuildServices(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(10);
            options.Retry.MaxRetryAttempts = 1;
            options.Retry.Delay = TimeSpan.Zero;
            options.CircuitBreaker.FailureThreshold = 1;
        });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        var call = client.GetAsync("/");
        await _server.WaitForArrivalAsync();
        _time.Advance(TimeSpan.FromSeconds(5)); // the first attempt times out and is retried
        await _server.WaitForArrivalAsync();
        _time.Advance(TimeSpan.FromSeconds(5)); // the whole request times out

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => call);
        var breaker = services.Breaker(PipelineName);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(1, breaker.Metrics.Failures);
        Assert.Equal(1, breaker.Metrics.SlowCalls); // 10 s is the default slow-call threshold
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task Per_authority_breakers_keep_a_healthy_host_working_while_another_host_is_open()
    {
        _server.RespondWith(500);
        await using var healthy = (await UpstreamServer.StartAsync()).RespondWith(200);
        await using var services = TestServices.Build(_time, services => services
            .AddHttpClient(Client)
            .AddSlowCallResilienceHandler(options =>
            {
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
                options.CircuitBreaker.FailureThreshold = 2;
            })
            .SelectPipelineByAuthority());
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync(_server.BaseAddress);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync(_server.BaseAddress));
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync(healthy.BaseAddress);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(4, _server.Requests);
        Assert.Equal(3, healthy.Requests);
        Assert.Equal(CircuitState.Open, services.Breaker(PipelineName, _server.Authority).State);
        Assert.Equal(CircuitState.Closed, services.Breaker(PipelineName, healthy.Authority).State);
        Assert.Equal(3, services.Breaker(PipelineName, healthy.Authority).Metrics.Calls);
    }

    [Fact]
    public async Task Its_pipeline_and_options_are_named_after_the_client()
    {
        await using var services = TestServices.Build(_time, services =>
        {
            var pipeline = services.AddHttpClient(Client).AddSlowCallResilienceHandler();
            Assert.Equal(PipelineName, pipeline.PipelineName);
        });

        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<HttpSlowCallResilienceOptions>>().Get(PipelineName);
        Assert.Equal("SlowCall-CircuitBreaker", options.CircuitBreaker.Name);
        Assert.Equal("SlowCall-TotalRequestTimeout", options.TotalRequestTimeout.Name);
        Assert.Equal("SlowCall-Retry", options.Retry.Name);
        Assert.Equal("SlowCall-AttemptTimeout", options.AttemptTimeout.Name);
        Assert.Equal(TimeSpan.FromSeconds(30), options.TotalRequestTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.AttemptTimeout.Timeout);
    }

    private ServiceProvider BuildServices(Action<HttpSlowCallResilienceOptions> configure)
        => TestServices.Build(_time, services => services
            .AddHttpClient(Client, client => client.BaseAddress = _server.BaseAddress)
            .AddSlowCallResilienceHandler(configure));
}
