using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// W2 and W7: in shadow mode an admission that opens the breaker (it found hung calls) runs its call after the opening's
/// break and events; when a TelemetryListener throws on those events, the call does not run.
/// </summary>
public class ShadowOpeningEventsTests
{
    [Fact]
    public async Task A_call_whose_admission_opened_the_breaker_does_not_run_when_the_opening_s_listener_throws()
    {
        var options = NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 2);
        options.ShadowMode = true;
        options.BreakDurationGenerator = _ => new(TimeSpan.FromSeconds(7));
        var breaker = new Breaker(options, recordTransitions: false);
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = Enumerable.Range(0, 2).Select(_ => breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask()).ToList();
        breaker.Advance(TimeSpan.FromSeconds(1));
        breaker.Telemetry.ThrowsOn = new HashSet<string> { SlowCallCircuitBreakerConstants.OnCircuitOpened };
        var ran = false;

        var failure = await Record.ExceptionAsync(async () => await breaker.RunAsync(_ =>
        {
            ran = true;
            return Outcome.FromResultAsValueTask(1);
        }));

        Assert.Equal("listener fails on OnCircuitOpened", failure?.Message);
        Assert.False(ran);
        Assert.Equal(CircuitState.Open, breaker.State);
        release.SetResult(Outcome.FromResult(1));
        await Task.WhenAll(hung);
    }
}
