using Polly.RateLimiting;

namespace PollyBreakerExt.Extensions.Tests.Docs;

/// <summary>
/// docs/integration.md's recipe (a concurrency limiter in its own resilience handler, added before
/// <c>AddSlowCallResilienceHandler</c>) with a limit of 1, which a test can reach: the limiter is outermost, so a
/// request over the limit is rejected before the breaker and never counts as one of its calls.
/// </summary>
public sealed class ConcurrencyLimiterRecipeTests : IAsyncLifetime
{
    private UpstreamServer _server = null!;

    public async Task InitializeAsync() => _server = (await UpstreamServer.StartAsync()).HoldRequests();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_limiter_added_before_the_handler_rejects_over_the_limit_without_the_breaker_counting_it()
    {
        await using var services = TestServices.Build(new FakeTimeProvider(), services =>
        {
            var payments = services.AddHttpClient("payments", client => client.BaseAddress = _server.BaseAddress);
            payments.AddResilienceHandler("limiter", pipeline => pipeline.AddConcurrencyLimiter(permitLimit: 1, queueLimit: 0));
            payments.AddSlowCallResilienceHandler(options => options.CircuitBreaker.FailureThreshold = 1);
        });
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payments");

        var first = client.GetAsync(new Uri("orders", UriKind.Relative));
        await _server.WaitForArrivalAsync(); // holds the only permit
        // At once: inside the slow-call handler, the rejection would be retried, on a fake clock that never moves.
        await Assert.ThrowsAsync<RateLimiterRejectedException>(() => client.GetAsync(new Uri("orders", UriKind.Relative)).WaitAsync(UpstreamServer.Patience));

        var breaker = services.Breaker("payments-slowcall");
        Assert.Equal(CircuitState.Closed, breaker.State);     // FailureThreshold = 1, yet the rejection did not trip it
        Assert.Equal(0, breaker.Metrics.Calls);               // inside the breaker, the rejection would be a recorded call
        Assert.Equal(1, _server.Requests);                    // the rejected request never left

        _server.Release();
        using var response = await first;
        Assert.True(response.IsSuccessStatusCode);
    }
}
