namespace PollyBreakerExt.Tests;

/// <summary>The rejection event's arguments as a log shows them.</summary>
public class OnCircuitRejectedArgumentsTests
{
    [Fact]
    public void As_text_it_names_the_breaker_and_every_value()
    {
        var args = new OnCircuitRejectedArguments("payments", CircuitState.Closed, TimeSpan.FromSeconds(3), isShadow: true, isRecoveryRamp: true, breakerKey: "tenant-7");

        Assert.Equal(
            "OnCircuitRejectedArguments { BreakerName = payments, State = Closed, RetryAfter = 00:00:03, IsShadow = True, IsRecoveryRamp = True, BreakerKey = tenant-7 }",
            args.ToString());
    }
}
