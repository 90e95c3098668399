using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 3: an open circuit rejects without running the call, until the break ends.</summary>
public class OpenStateTests
{
    private static Breaker OpenBreaker(TimeSpan? breakDuration = null, string name = "payment-api")
    {
        var options = NewOptions(failureThreshold: 1, breakDuration: breakDuration ?? TimeSpan.FromSeconds(30));
        options.Name = name;
        var breaker = new Breaker(options);
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State);
        return breaker;
    }

    [Fact]
    public async Task Rejects_without_running_the_call()
    {
        var breaker = OpenBreaker();
        var executed = false;

        var outcome = await breaker.RunAsync(_ =>
        {
            executed = true;
            return Outcome.FromResultAsValueTask(1);
        });

        Assert.False(executed);
        Assert.IsType<BrokenCircuitException>(outcome.Exception);
    }

    [Fact]
    public void The_rejection_names_the_breaker()
    {
        var breaker = OpenBreaker(name: "payment-api");

        var exception = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Contains("'payment-api'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("open", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rejection_carries_the_failure_that_opened_the_circuit()
    {
        var breaker = OpenBreaker();

        var exception = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Equal("boom", Assert.IsType<InvalidOperationException>(exception.InnerException).Message);
    }

    [Fact]
    public void RetryAfter_is_the_time_left_until_half_open()
    {
        var breaker = OpenBreaker(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception).RetryAfter);
        breaker.Advance(TimeSpan.FromSeconds(12.5));
        Assert.Equal(TimeSpan.FromSeconds(17.5), Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception).RetryAfter);
        breaker.Advance(TimeSpan.FromSeconds(17.5) - TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromTicks(1), Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception).RetryAfter);
    }

    [Fact]
    public async Task The_exception_API_throws_BrokenCircuitException()
    {
        var breaker = OpenBreaker();

        var exception = await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.Pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)).AsTask());

        Assert.NotNull(exception.RetryAfter);
    }

    [Fact]
    public void The_first_call_at_exactly_the_break_end_becomes_a_probe()
    {
        var breaker = OpenBreaker(TimeSpan.FromSeconds(30));
        breaker.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        Assert.Equal(CircuitState.Open, breaker.State);

        breaker.AdvanceTicks(1);
        var outcome = breaker.Succeed();

        Assert.Equal(42, outcome.Result);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(
            (CircuitState.Open, CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed),
            breaker.TransitionSummary()[1]);
    }

    [Fact]
    public void An_idle_open_breaker_stays_open_until_a_call_arrives()
    {
        var breaker = OpenBreaker(TimeSpan.FromSeconds(1));

        breaker.Advance(TimeSpan.FromHours(1));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Single(breaker.Transitions);
    }

    [Fact]
    public void Every_rejection_is_reported_at_debug_level()
    {
        var breaker = OpenBreaker();

        breaker.Succeed();
        breaker.Succeed();
        breaker.Fail();

        var rejected = breaker.Telemetry.Named("OnCircuitRejected");
        Assert.Equal(3, rejected.Count);
        Assert.All(rejected, e => Assert.Equal(Polly.Telemetry.ResilienceEventSeverity.Debug, e.Severity));
    }

    [Fact]
    public void Rejected_calls_are_not_recorded()
    {
        var breaker = OpenBreaker();
        var before = breaker.Metrics;

        breaker.Fail();
        breaker.Succeed();

        Assert.Equal(before, breaker.Metrics);
    }

    [Fact]
    public void The_break_duration_generator_chooses_each_break()
    {
        var breaks = new Queue<TimeSpan>([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(50)]);
        var generatorArgs = new List<BreakDurationGeneratorArguments>();
        var options = NewOptions(failureThreshold: 2, successThreshold: 1);
        options.BreakDurationGenerator = args =>
        {
            generatorArgs.Add(args);
            return ValueTask.FromResult(breaks.Dequeue());
        };
        var breaker = new Breaker(options);

        breaker.Fail();
        breaker.Fail();
        Assert.Equal(TimeSpan.FromSeconds(5), breaker.Transitions[0].BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception).RetryAfter);

        breaker.Advance(TimeSpan.FromSeconds(5));
        breaker.Fail(); // the probe fails

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(50), breaker.Transitions[2].BreakDuration);
        Assert.Equal(2, generatorArgs[0].FailureCount);
        Assert.Equal(1.0, generatorArgs[0].FailureRate);
        Assert.Equal(0, generatorArgs[0].HalfOpenAttempts);
        Assert.Equal(1, generatorArgs[1].HalfOpenAttempts);
    }

    [Fact]
    public void An_asynchronous_generator_is_awaited_before_the_opening_call_returns()
    {
        var options = NewOptions(failureThreshold: 1);
        options.BreakDurationGenerator = async _ =>
        {
            await Task.Yield();
            return TimeSpan.FromSeconds(7);
        };
        var breaker = new Breaker(options);

        breaker.Fail();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(breaker.Transitions).BreakDuration);
    }

    [Theory]
    [InlineData(-5, 30)] // a negative break means BreakDuration (W2)
    [InlineData(2 * 24 * 3600, 24 * 3600)]
    public void A_generated_duration_out_of_range_is_clamped(double generatedSeconds, double expectedSeconds)
    {
        var options = NewOptions(failureThreshold: 1);
        options.BreakDurationGenerator = _ => ValueTask.FromResult(TimeSpan.FromSeconds(generatedSeconds));
        var breaker = new Breaker(options);

        breaker.Fail();

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Assert.Single(breaker.Transitions).BreakDuration);
    }

    [Fact]
    public void A_throwing_generator_falls_back_to_BreakDuration_and_is_reported()
    {
        var options = NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(9));
        options.BreakDurationGenerator = _ => throw new InvalidOperationException("generator bug");
        var breaker = new Breaker(options);

        var outcome = breaker.Fail();

        Assert.Equal("boom", outcome.Exception!.Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(9), Assert.Single(breaker.Transitions).BreakDuration);
        var reported = Assert.Single(breaker.Telemetry.Named("OnBreakDurationGeneratorFailed"));
        Assert.Equal("generator bug", reported.Exception!.Message);
    }

    [Fact]
    public void A_zero_generated_break_lets_the_next_call_probe()
    {
        var options = NewOptions(failureThreshold: 1);
        options.BreakDurationGenerator = _ => ValueTask.FromResult(TimeSpan.Zero);
        var breaker = new Breaker(options);
        breaker.Fail();

        breaker.Succeed();

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }
}
