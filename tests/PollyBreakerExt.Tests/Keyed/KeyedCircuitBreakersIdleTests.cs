using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10: an idle closed breaker is forgotten by a check that runs every tenth of <c>KeyIdleTimeout</c>, the first
/// one at or after the timeout; a breaker still in its recovery ramp is kept until the ramp ends.
/// </summary>
public class KeyedCircuitBreakersIdleTests
{
    [Fact]
    public void An_idle_key_is_forgotten_by_the_first_check_at_or_after_its_timeout_and_checks_come_a_tenth_of_it_apart()
    {
        var options = NewOptions(failureThreshold: 3);
        options.KeyIdleTimeout = TimeSpan.FromSeconds(10);
        var breaker = new KeyedBreaker(options);
        breaker.Succeed("on-a-check");
        breaker.Time.Advance(TimeSpan.FromSeconds(0.5));
        breaker.Succeed("between-checks");

        breaker.Time.Advance(TimeSpan.FromSeconds(9.5)); // the check at 10 s
        Assert.Null(breaker.Keys.Find("on-a-check")); // idle for exactly the timeout
        Assert.NotNull(breaker.Keys.Find("between-checks"));

        breaker.Time.Advance(TimeSpan.FromSeconds(0.5)); // 10.5 s: idle for the timeout, but no check since 10 s
        Assert.NotNull(breaker.Keys.Find("between-checks"));

        breaker.Time.Advance(TimeSpan.FromSeconds(0.5)); // the check at 11 s
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
