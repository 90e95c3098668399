using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests;

public class SlowCallCircuitBreakerStateProviderTests
{
    [Fact]
    public void Is_readable_before_the_breaker_exists()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();

        Assert.Equal(CircuitState.Closed, provider.CircuitState);
        Assert.Equal(default, provider.Metrics);
    }

    [Fact]
    public void Is_readable_after_build_before_any_execution()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 3));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(new CircuitMetrics(0, 0, 0, 0, 0), breaker.Metrics);
    }

    [Fact]
    public void Reports_live_metrics_of_the_window()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 10, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 100));

        breaker.Fail();
        breaker.Succeed(TimeSpan.FromSeconds(2));
        breaker.Succeed();
        breaker.Succeed();

        Assert.Equal(new CircuitMetrics(4, 1, 1, 0.25, 0.25), breaker.Metrics);
    }

    [Fact]
    public void Metrics_keep_the_window_that_opened_the_circuit()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2));

        breaker.Succeed();
        breaker.Fail();
        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(new CircuitMetrics(3, 2, 0, 2.0 / 3, 0), breaker.Metrics);
    }

    [Fact]
    public void One_provider_cannot_serve_two_live_breakers()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        _ = new Breaker(new() { StateProvider = provider });

        var exception = Assert.Throws<InvalidOperationException>(() => new Breaker(new() { StateProvider = provider }));

        Assert.Contains("SlowCallCircuitBreaker", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_every_state()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1));
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);

        breaker.Advance(TimeSpan.FromSeconds(30));
        var hang = new TaskCompletionSource<Outcome<int>>();
        _ = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(hang.Task)).AsTask();
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        hang.SetResult(Outcome.FromResult(1));
    }
}
