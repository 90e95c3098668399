using System.Net;
using Polly.Timeout;

namespace PollyBreakerExt.Extensions.Tests;

/// <summary>
/// <see cref="HttpSlowCallCircuitBreakerStrategyOptions"/> in an <c>AddResilienceHandler</c> pipeline, against a real server.
/// </summary>
public sealed class HttpSlowCallCircuitBreakerTests : IAsyncLifetime
{
    private const string Client = "upstream";
    private const string PipelineName = "upstream-breaker";

    private readonly FakeTimeProvider _time = new();
    private UpstreamServer _server = null!;

    public async Task InitializeAsync() => _server = await UpstreamServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(200, false)]
    [InlineData(204, false)]
    [InlineData(301, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(422, false)]
    public async Task Treats_5xx_408_and_429_responses_as_failures_and_other_responses_as_successes(int statusCode, bool isFailure)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)statusCode);

        Assert.Equal(isFailure, await ShouldHandle(Outcome.FromResult(response)));
    }

    [Fact]
    public async Task Treats_connection_failures_and_timeouts_as_failures_and_other_exceptions_as_successes()
    {
        Assert.True(await ShouldHandle(Outcome.FromException<HttpResponseMessage>(new HttpRequestException("refused"))));
        Assert.True(await ShouldHandle(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException())));
        Assert.True(await ShouldHandle(Outcome.FromException<HttpResponseMessage>(new TaskCanceledException("HttpClient.Timeout", new TimeoutException()))));
        Assert.False(await ShouldHandle(Outcome.FromException<HttpResponseMessage>(new InvalidOperationException())));
    }

    [Fact]
    public async Task An_HttpClient_timeout_inside_the_pipeline_is_a_failure_that_opens_the_breaker()
    {
        _server.HoldRequests();
        var state = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddSlowCallCircuitBreaker(new HttpSlowCallCircuitBreakerStrategyOptions { FailureThreshold = 2, SlowCallDurationThreshold = null, StateProvider = state })
            .Build();
        using var http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromMilliseconds(200) }; // HttpClient's own real-time timer

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<TaskCanceledException>(async () => await pipeline.ExecuteAsync(async token => await http.GetAsync(new Uri("/", UriKind.Relative), token)));
        }

        Assert.Equal(CircuitState.Open, state.CircuitState);
        Assert.Equal(2, state.Metrics.Failures);
    }

    [Fact]
    public async Task An_HttpClient_timeout_around_the_handler_is_the_callers_cancellation_and_is_ignored()
    {
        // HttpClient.Timeout cancels the token it hands its handlers: to the breaker inside, the client gave up.
        _server.HoldRequests();
        await using var services = BuildServices(_server.BaseAddress, new() { FailureThreshold = 1, SlowCallDurationThreshold = null });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);
        client.Timeout = TimeSpan.FromMilliseconds(200);

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync("/"));

        Assert.Equal(CircuitState.Closed, services.Breaker(PipelineName).State);
        Assert.Equal(0, services.Breaker(PipelineName).Metrics.Calls);
    }

    [Fact]
    public async Task Server_errors_open_the_breaker_and_an_open_breaker_rejects_without_reaching_the_server()
    {
        _server.RespondWith(503);
        await using var services = BuildServices(_server.BaseAddress, new() { FailureThreshold = 3 });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.Equal(CircuitState.Open, services.Breaker(PipelineName).State);
        var rejected = await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));
        Assert.Contains("SlowCallCircuitBreaker", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), rejected.RetryAfter);
        Assert.Equal(3, _server.Requests);
    }

    [Fact]
    public async Task Client_errors_other_than_408_and_429_never_open_the_breaker()
    {
        _server.RespondWith(404);
        await using var services = BuildServices(_server.BaseAddress, new() { FailureThreshold = 2, MinimumThroughput = 2, FailureRatio = 0.5 });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var breaker = services.Breaker(PipelineName);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(new CircuitMetrics(5, 0, 0, 0, 0), breaker.Metrics);
        Assert.Equal(5, _server.Requests);
    }

    [Fact]
    public async Task A_refused_connection_opens_the_breaker()
    {
        await using var services = BuildServices(ClosedPort.Create(), new() { FailureThreshold = 2 });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/"));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/"));

        Assert.Equal(CircuitState.Open, services.Breaker(PipelineName).State);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));
    }

    [Fact]
    public async Task A_slow_upstream_opens_the_breaker_on_the_slow_call_rate()
    {
        _server.HoldRequests();
        var transitions = new List<CircuitStateChangedArguments>();
        await using var services = BuildServices(_server.BaseAddress, new()
        {
            FailureThreshold = null,
            MinimumThroughput = 2,
            SlowCallRatio = 1.0,
            SlowCallDurationThreshold = TimeSpan.FromSeconds(1),
            OnStateChanged = args =>
            {
                transitions.Add(args);
                return default;
            },
        });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        // Each answer is successful but takes 2 s by the pipeline's clock: the server holds it while the clock moves.
        for (var i = 0; i < 2; i++)
        {
            var call = client.GetAsync("/");
            await _server.WaitForArrivalAsync();
            _time.Advance(TimeSpan.FromSeconds(2));
            _server.Release();
            using var response = await call;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var breaker = services.Breaker(PipelineName);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(new CircuitMetrics(2, 0, 2, 0, 1), breaker.Metrics);
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, Assert.Single(transitions).Reason);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync("/"));
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task A_fast_upstream_does_not_count_as_slow()
    {
        _server.RespondWith(200);
        await using var services = BuildServices(_server.BaseAddress, new() { MinimumThroughput = 2, SlowCallDurationThreshold = TimeSpan.FromSeconds(1) });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
        }

        var breaker = services.Breaker(PipelineName);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.SlowCalls);
    }

    private static ValueTask<bool> ShouldHandle(Outcome<HttpResponseMessage> outcome)
        => new HttpSlowCallCircuitBreakerStrategyOptions().ShouldHandle(new CircuitBreakerPredicateArguments<HttpResponseMessage>(ResilienceContextPool.Shared.Get(), outcome));

    private ServiceProvider BuildServices(Uri upstream, HttpSlowCallCircuitBreakerStrategyOptions options)
        => TestServices.Build(_time, services => services
            .AddHttpClient(Client, client => client.BaseAddress = upstream)
            .AddResilienceHandler("breaker", builder => builder.AddSlowCallCircuitBreaker(options)));
}
