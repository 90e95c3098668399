using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10: an idle closed breaker is forgotten by a check that runs every tenth of <c>KeyIdleTimeout</c>, the first
/// one at or after the timeout; a breaker still in its recovery ramp is kept until the ramp ends.
/// </summary>
public class KeyedCircuitBreakersIdleTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(10 * 60 * 60)] // ten hours: still a tenth, not the daily check of timeouts past ten days
    public void An_idle_key_is_forgotten_by_the_first_check_at_or_after_its_timeout_and_checks_come_a_tenth_of_it_apart(int timeoutSeconds)
    {
        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var options = NewOptions(failureThreshold: 3);
        options.KeyIdleTimeout = timeout;
        var breaker = new KeyedBreaker(options);
        breaker.Succeed("on-a-check");
        breaker.Time.Advance(timeout * 0.05);
        breaker.Succeed("between-checks");

        breaker.Time.Advance(timeout * 0.95); // the check at the timeout
        Assert.Null(breaker.Keys.Find("on-a-check")); // idle for exactly the timeout
        Assert.NotNull(breaker.Keys.Find("between-checks"));

        breaker.Time.Advance(timeout * 0.05); // idle for the timeout, but no check since
        Assert.NotNull(breaker.Keys.Find("between-checks"));

        breaker.Time.Advance(timeout * 0.05); // the check at 1.1 timeouts
        Assert.Null(breaker.Keys.Find("between-checks"));
    }

    [Fact]
    public async Task A_breaker_in_its_recovery_ramp_is_kept_however_idle_until_the_ramp_ends()
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(10), minimumThroughput: 1000);
        options.RecoveryRampUp = TimeSpan.FromSeconds(100);
        options.KeyIdleTimeout = TimeSpan.FromSeconds(10);
        var breaker = new KeyedBreaker(options);
        breaker.Fail("r");
        breaker.Time.Advance(TimeSpan.FromSeconds(10));
        var release = new TaskCompletionSource<Outcome<int>>();
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(KeyedBreaker.TenantKey, "r");
        var probe = breaker.Pipeline.ExecuteOutcomeAsync((_, held) => new ValueTask<Outcome<int>>(held.Task), context, release).AsTask();
        Assert.IsType<BrokenCircuitException>(breaker.Succeed("r").Exception); // the half-open lets one call in two through
        release.SetResult(Outcome.FromResult(1));
        Assert.Equal(1, (await probe).Result);
        Assert.Equal(CircuitState.Closed, breaker.State("r")); // at 10 s, ramping until 110 s

        breaker.Time.Advance(TimeSpan.FromSeconds(99)); // idle for 99 s, nine times the timeout
        Assert.NotNull(breaker.Keys.Find("r"));

        breaker.Time.Advance(TimeSpan.FromSeconds(1)); // the check at 110 s: the ramp is over
        Assert.Null(breaker.Keys.Find("r"));
    }
}
