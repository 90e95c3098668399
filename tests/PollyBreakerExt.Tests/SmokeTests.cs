using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests;

public class SmokeTests
{
    [Fact]
    public void Opens_after_failure_threshold_and_rejects()
    {
        var breaker = new Breaker(new() { FailureThreshold = 3, SlowCallDurationThreshold = null });
        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);
        var rejected = breaker.Succeed();
        var exception = Assert.IsType<BrokenCircuitException>(rejected.Exception);
        Assert.Equal(TimeSpan.FromSeconds(30), exception.RetryAfter);
    }
}
