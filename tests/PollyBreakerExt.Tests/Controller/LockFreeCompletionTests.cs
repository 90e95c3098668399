using System.Reflection;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// A closed success is recorded without the breaker's lock (issue #19), and still judged by rule 1 whenever a trip
/// condition may hold.
/// </summary>
public class LockFreeCompletionTests
{
    [Fact]
    public async Task A_closed_success_completes_while_another_thread_holds_the_breakers_lock()
    {
        var breaker = new Breaker(new SlowCallCircuitBreakerStrategyOptions<int>()); // the defaults: in-flight tracking on
        breaker.Succeed(); // the first record names the bucket successes without the lock count for
        var gate = (BreakerLock)typeof(CircuitStateController<int>).GetField("_lock", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(Controller(breaker))!;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (gate.EnterScope())
            {
                held.Set();
                release.Wait();
            }
        });
        holder.Start();
        held.Wait();

        var call = Task.Run(() => breaker.Succeed());
        var completed = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System)) == call; // a deadlock detector: a lock-free success completes at once
        release.Set();
        holder.Join();

        Assert.True(completed, "the success waited for the breaker's lock");
        Assert.Equal(2, breaker.Metrics.Calls);
    }

    [Fact]
    public void A_success_that_brings_the_window_to_its_minimum_throughput_is_judged_and_trips()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 4));
        breaker.Fail();
        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State); // 3 calls, under the minimum throughput

        breaker.Succeed();

        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureRatio)], breaker.TransitionSummary());
    }

    [Fact]
    public void A_fast_success_trips_when_older_successes_have_left_the_window()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 2, slowCallDurationThreshold: TimeSpan.FromSeconds(10), samplingDuration: TimeSpan.FromSeconds(60)));
        breaker.Succeed();
        breaker.Succeed();
        breaker.Advance(TimeSpan.FromSeconds(30));
        breaker.Fail(); // 1 of 3
        breaker.Advance(TimeSpan.FromSeconds(40)); // the first two have left the window, the failure has not

        breaker.Succeed(); // 1 of 2

        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureRatio)], breaker.TransitionSummary());
    }

    [Fact]
    public async Task A_fast_success_trips_on_a_call_that_passed_the_threshold_while_it_ran()
    {
        var breaker = new Breaker(NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(1), slowCallRatio: 0.3, minimumThroughput: 2));
        breaker.Succeed();
        breaker.Advance(TimeSpan.FromMilliseconds(500));
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = breaker.RunAsync(_ => new ValueTask<Outcome<int>>(release.Task)).AsTask();
        breaker.Advance(TimeSpan.FromMilliseconds(100));

        await breaker.RunAsync(_ =>
        {
            breaker.Advance(TimeSpan.FromMilliseconds(900)); // fast itself; the hung call reaches 1 s meanwhile
            return Outcome.FromResultAsValueTask(1);
        });

        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.SlowCallRatio)], breaker.TransitionSummary()); // 1 of 3
        release.SetResult(Outcome.FromResult(1));
        await hung;
    }

    private static CircuitStateController<int> Controller(Breaker breaker)
        => (CircuitStateController<int>)Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(
            Assert.Single(breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated)).Arguments).Breaker;
}
