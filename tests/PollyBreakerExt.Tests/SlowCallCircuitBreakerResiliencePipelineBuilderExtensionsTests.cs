using Polly.Retry;
using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests;

public class SlowCallCircuitBreakerResiliencePipelineBuilderExtensionsTests
{
    [Fact]
    public void Null_arguments_are_rejected_by_name()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => SlowCallCircuitBreakerResiliencePipelineBuilderExtensions.AddSlowCallCircuitBreaker(null!, new SlowCallCircuitBreakerStrategyOptions())).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => SlowCallCircuitBreakerResiliencePipelineBuilderExtensions.AddSlowCallCircuitBreaker<int>(null!, new SlowCallCircuitBreakerStrategyOptions<int>())).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker<int>(null!)).ParamName);
    }

    [Fact]
    public void Non_generic_pipeline_trips_and_rejects_for_any_result_type()
    {
        var time = new FakeTimeProvider();
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 2, StateProvider = provider })
            .Build();

        Assert.Equal("text", pipeline.Execute(() => "text"));
        Assert.Throws<InvalidOperationException>(() => pipeline.Execute<int>(() => throw new InvalidOperationException()));
        Assert.Throws<TimeoutException>(() => pipeline.Execute(() => throw new TimeoutException()));

        Assert.Equal(CircuitState.Open, provider.CircuitState);
        Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(() => 3.14));
        Assert.Equal(new CircuitMetrics(3, 2, 0, 2.0 / 3, 0), provider.Metrics);
    }

    [Fact]
    public void Non_generic_pipeline_hands_a_custom_predicate_the_result_as_object()
    {
        var seen = new List<object?>();
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                FailureThreshold = 1,
                StateProvider = provider,
                ShouldHandle = args =>
                {
                    seen.Add(args.Outcome.Result);
                    return new(args.Outcome.Result is 503);
                },
            })
            .Build();

        pipeline.Execute(() => "ok");
        pipeline.Execute(() => 200);
        Assert.Equal(CircuitState.Closed, provider.CircuitState);
        pipeline.Execute(() => 503);

        Assert.Equal(["ok", 200, 503], seen);
        Assert.Equal(CircuitState.Open, provider.CircuitState);
    }

    [Fact]
    public void Non_generic_pipeline_hands_OnOpened_the_opening_result()
    {
        object? opened = null;
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                FailureThreshold = 1,
                ShouldHandle = args => new(args.Outcome.Result is 503),
                OnOpened = args =>
                {
                    opened = args.Outcome.Result;
                    return default;
                },
            })
            .Build();

        pipeline.Execute(() => 503);

        Assert.Equal(503, opened);
    }

    [Fact]
    public async Task Synchronous_and_asynchronous_execution_behave_the_same()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = 2, StateProvider = provider })
            .Build();

        Assert.Throws<InvalidOperationException>(() => pipeline.Execute<int>(_ => throw new InvalidOperationException()));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException();
        }));

        Assert.Equal(CircuitState.Open, provider.CircuitState);
    }

    [Fact]
    public void Each_added_breaker_is_independent()
    {
        var first = new SlowCallCircuitBreakerStateProvider();
        var second = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { Name = "outer", FailureThreshold = 3, StateProvider = first })
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { Name = "inner", FailureThreshold = 1, StateProvider = second })
            .Build();

        Assert.Throws<InvalidOperationException>(() => pipeline.Execute<int>(_ => throw new InvalidOperationException()));
        Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(_ => 1));

        Assert.Equal(CircuitState.Open, second.CircuitState);
        Assert.Equal(CircuitState.Closed, first.CircuitState);
        Assert.Equal(new CircuitMetrics(2, 2, 0, 1, 0), first.Metrics); // to the outer breaker the inner rejection is an exception like any other
    }

    [Fact]
    public async Task Breaker_outside_retry_counts_a_call_whose_retries_all_failed_as_one_failure()
    {
        var time = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.Zero };
        var provider = new SlowCallCircuitBreakerStateProvider();
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = time }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = 3, StateProvider = provider })
            .AddRetry(new RetryStrategyOptions<int> { MaxRetryAttempts = 2, Delay = TimeSpan.Zero })
            .Build();

        for (var call = 0; call < 2; call++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(async () => await pipeline.ExecuteAsync<int>(_ =>
            {
                attempts++;
                throw new HttpRequestException("down");
            }));
        }

        Assert.Equal(6, attempts); // 2 calls x (1 + 2 retries)
        Assert.Equal(new CircuitMetrics(2, 2, 0, 1, 0), provider.Metrics);
        Assert.Equal(CircuitState.Closed, provider.CircuitState);
    }

    [Fact]
    public async Task Breaker_outside_retry_rejects_at_once_without_feeding_the_retry_loop()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = 1, StateProvider = provider })
            .AddRetry(new RetryStrategyOptions<int> { MaxRetryAttempts = 3, Delay = TimeSpan.Zero })
            .Build();
        await Assert.ThrowsAsync<HttpRequestException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new HttpRequestException("down");
        }));
        Assert.Equal(4, attempts);

        var rejected = await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return ValueTask.FromResult(1);
        }));

        Assert.Equal(4, attempts);
        Assert.NotNull(rejected.RetryAfter);
    }

    [Fact]
    public async Task Breaker_outside_retry_sees_a_success_when_a_retry_recovers()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = 1, StateProvider = provider })
            .AddRetry(new RetryStrategyOptions<int> { MaxRetryAttempts = 3, Delay = TimeSpan.Zero })
            .Build();

        var result = await pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new HttpRequestException("flaky") : ValueTask.FromResult(7));

        Assert.Equal(7, result);
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), provider.Metrics);
    }

    [Fact]
    public void Slow_call_duration_includes_every_retry_attempt_inside_the_breaker()
    {
        var time = new FakeTimeProvider();
        var provider = new SlowCallCircuitBreakerStateProvider();
        var attempts = 0;
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = time }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                FailureThreshold = 10,
                SlowCallDurationThreshold = TimeSpan.FromSeconds(2),
                MinimumThroughput = 100,
                StateProvider = provider,
            })
            .AddRetry(new RetryStrategyOptions<int> { MaxRetryAttempts = 2, Delay = TimeSpan.Zero })
            .Build();

        pipeline.Execute(_ =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return ++attempts < 3 ? throw new HttpRequestException() : 1;
        });

        Assert.Equal(new CircuitMetrics(1, 0, 1, 0, 1), provider.Metrics); // three 1 s attempts: one slow call
    }
}
