using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics: each completed call is classified once as ignored, failure or success, and independently as slow.</summary>
public class ClassificationTests
{
    [Fact]
    public async Task A_call_cancelled_by_its_caller_is_not_recorded()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 1));
        using var cts = new CancellationTokenSource();

        var outcome = await breaker.RunAsync(
            context =>
            {
                breaker.Advance(TimeSpan.FromSeconds(5));
                cts.Cancel();
                return Outcome.FromExceptionAsValueTask<int>(new OperationCanceledException(context.CancellationToken));
            },
            cts.Token);

        Assert.IsType<OperationCanceledException>(outcome.Exception);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(default, breaker.Metrics);
        Assert.Empty(breaker.Telemetry.Named("OnSlowCall"));
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_a_failure_by_default()
    {
        // Issue 11, bug 6: an HttpClient timeout is a TaskCanceledException while the caller's token is not cancelled.
        var breaker = new Breaker(NewOptions(failureThreshold: 1));

        var outcome = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new TaskCanceledException("timed out")));

        Assert.IsType<TaskCanceledException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.FailureThreshold, breaker.Transitions[^1].Reason);
    }

    [Fact]
    public async Task A_timed_out_probe_reopens_instead_of_closing()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new OperationCanceledException("timed out")));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breaker.Transitions[^1].Reason);
    }

    [Fact]
    public async Task A_predicate_may_treat_an_unrequested_cancellation_as_a_failure()
    {
        var options = NewOptions(failureThreshold: 1);
        options.ShouldHandle = args => new(args.Outcome.Exception is not null);
        var breaker = new Breaker(options);

        await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new TaskCanceledException("upstream timed out")));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task The_predicate_never_sees_a_call_its_caller_cancelled()
    {
        var predicateCalls = 0;
        var options = NewOptions(failureThreshold: 1);
        options.ShouldHandle = _ =>
        {
            predicateCalls++;
            return new(true);
        };
        var breaker = new Breaker(options);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await breaker.RunAsync(ctx => Outcome.FromExceptionAsValueTask<int>(new OperationCanceledException(ctx.CancellationToken)), cts.Token);

        Assert.Equal(0, predicateCalls);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task A_call_whose_token_was_cancelled_but_that_failed_otherwise_is_recorded()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));
        using var cts = new CancellationTokenSource();

        await breaker.RunAsync(
            _ =>
            {
                cts.Cancel();
                return Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException());
            },
            cts.Token);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Duration_is_measured_from_admission_to_completion_on_the_pipeline_clock()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 100, slowCallDurationThreshold: TimeSpan.FromMilliseconds(500), minimumThroughput: 100));

        breaker.Succeed(TimeSpan.FromMilliseconds(499));
        breaker.Succeed(TimeSpan.FromMilliseconds(500));
        breaker.Fail(TimeSpan.FromMilliseconds(501));
        breaker.Advance(TimeSpan.FromSeconds(10)); // time between calls is not part of any call
        breaker.Succeed();

        Assert.Equal(new CircuitMetrics(4, 1, 2, 0.25, 0.5), breaker.Metrics);
    }

    [Fact]
    public void Every_slow_call_is_reported_once_at_debug_level()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 100, slowCallDurationThreshold: TimeSpan.FromSeconds(1), minimumThroughput: 100));

        breaker.Succeed(TimeSpan.FromSeconds(2));
        breaker.Succeed();
        breaker.Fail(TimeSpan.FromSeconds(3));

        var slow = breaker.Telemetry.Named("OnSlowCall");
        Assert.Equal(2, slow.Count);
        Assert.All(slow, e => Assert.Equal(Polly.Telemetry.ResilienceEventSeverity.Debug, e.Severity));
        Assert.Contains("00:00:03", slow[1].Arguments!.ToString(), StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(slow[1].Exception);
    }
}
