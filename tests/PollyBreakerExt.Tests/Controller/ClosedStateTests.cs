using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 1: what opens a closed circuit.</summary>
public class ClosedStateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void Opens_when_failures_in_the_window_reach_the_threshold(int threshold)
    {
        var breaker = new Breaker(NewOptions(failureThreshold: threshold));

        for (var i = 0; i < threshold - 1; i++)
        {
            breaker.Fail();
            Assert.Equal(CircuitState.Closed, breaker.State);
        }

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold)], breaker.TransitionSummary());
    }

    [Fact]
    public void Failure_threshold_needs_no_minimum_throughput()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, minimumThroughput: 100));

        breaker.Fail();
        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Successes_do_not_reset_the_failure_count()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 3));

        breaker.Fail();
        breaker.Succeed();
        breaker.Fail();
        breaker.Succeed();
        breaker.Succeed();
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Failure_ratio_waits_for_minimum_throughput()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 4));

        breaker.Fail();
        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Succeed();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.FailureRatio, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public void Failure_ratio_trips_at_exactly_the_ratio()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 4));

        breaker.Succeed();
        breaker.Succeed();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Failure_ratio_below_the_ratio_stays_closed()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, minimumThroughput: 4));

        for (var i = 0; i < 20; i++)
        {
            breaker.Succeed();
            breaker.Succeed();
            breaker.Fail();
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Empty(breaker.Transitions);
    }

    [Fact]
    public void A_ratio_of_one_trips_when_every_call_fails()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 1.0, minimumThroughput: 3));

        breaker.Fail();
        breaker.Fail();
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Slow_call_ratio_trips_with_successful_but_slow_calls()
    {
        var breaker = new Breaker(NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(2), slowCallRatio: 0.5, minimumThroughput: 4));

        breaker.Succeed(TimeSpan.FromSeconds(3));
        breaker.Succeed(TimeSpan.FromMilliseconds(10));
        breaker.Succeed(TimeSpan.FromSeconds(3));
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Succeed(TimeSpan.FromMilliseconds(10));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public void A_call_exactly_as_long_as_the_threshold_is_slow()
    {
        var breaker = new Breaker(NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(2), slowCallRatio: 1.0, minimumThroughput: 1));

        breaker.Succeed(TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void A_call_one_tick_shorter_than_the_threshold_is_not_slow()
    {
        var breaker = new Breaker(NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(2), slowCallRatio: 1.0, minimumThroughput: 1));

        breaker.Succeed(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.SlowCalls);
    }

    [Fact]
    public void Slow_failures_count_both_as_failures_and_as_slow()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 10, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 100));

        breaker.Fail(TimeSpan.FromSeconds(5));

        Assert.Equal(new CircuitMetrics(1, 1, 1, 1.0, 1.0), breaker.Metrics);
    }

    [Fact]
    public void Slow_calls_are_ignored_when_slow_call_detection_is_off()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 5, slowCallDurationThreshold: null, minimumThroughput: 1));

        for (var i = 0; i < 10; i++)
        {
            breaker.Succeed(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.SlowCalls);
    }

    [Fact]
    public void Failure_threshold_is_reported_before_ratios_when_several_hold()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 2, failureRatio: 0.5, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 2));

        breaker.Fail(TimeSpan.FromSeconds(2));
        breaker.Fail(TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitTransitionReason.FailureThreshold, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public void Failure_ratio_is_reported_before_slow_call_ratio_when_both_hold()
    {
        var breaker = new Breaker(NewOptions(failureRatio: 0.5, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 2));

        breaker.Fail(TimeSpan.FromSeconds(2));
        breaker.Fail(TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitTransitionReason.FailureRatio, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public void Slow_call_ratio_waits_for_minimum_throughput()
    {
        var breaker = new Breaker(NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 5));

        for (var i = 0; i < 4; i++)
        {
            breaker.Succeed(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Succeed(TimeSpan.FromSeconds(2));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Handled_results_count_as_failures()
    {
        var options = NewOptions(failureThreshold: 2);
        options.ShouldHandle = args => new(args.Outcome.Result == 500);
        var breaker = new Breaker(options);

        await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(500));
        await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(200));
        Assert.Equal(CircuitState.Closed, breaker.State);
        await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(500));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Exceptions_not_handled_by_the_predicate_are_successes()
    {
        var options = NewOptions(failureThreshold: 1);
        options.ShouldHandle = new PredicateBuilder<int>().Handle<TimeoutException>();
        var breaker = new Breaker(options);

        var outcome = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new ArgumentException("not transient")));

        Assert.IsType<ArgumentException>(outcome.Exception);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(new CircuitMetrics(1, 0, 0, 0, 0), breaker.Metrics);
    }

    [Fact]
    public async Task An_asynchronous_predicate_is_awaited()
    {
        var options = NewOptions(failureThreshold: 1);
        options.ShouldHandle = async args =>
        {
            await Task.Yield();
            return args.Outcome.Exception is not null;
        };
        var breaker = new Breaker(options);

        await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task A_throwing_predicate_records_a_failure_and_surfaces_its_exception()
    {
        var options = NewOptions(failureThreshold: 1);
        options.ShouldHandle = _ => throw new FormatException("bad predicate");
        var breaker = new Breaker(options);

        var outcome = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));

        Assert.IsType<FormatException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(1, breaker.Metrics.Failures);
    }

    [Fact]
    public async Task A_callback_that_throws_synchronously_is_a_failure_not_a_crash()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        var outcome = await breaker.RunAsync(_ => throw new InvalidOperationException("sync throw"));

        Assert.IsType<InvalidOperationException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task A_callback_that_throws_asynchronously_is_a_failure()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        var outcome = await breaker.RunAsync(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async throw");
        });

        Assert.IsType<InvalidOperationException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Successful_results_pass_through_unchanged()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        var outcome = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1234));

        Assert.Equal(1234, outcome.Result);
    }
}
