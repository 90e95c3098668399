using System.ComponentModel.DataAnnotations;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests;

/// <summary>
/// Every bad input a user can give gets a clear error or the documented safe behaviour, and never loses or misclassifies
/// a call. (Single out-of-range values are in <see cref="SlowCallCircuitBreakerStrategyOptionsTests"/>; these are the rest.)
/// </summary>
public class BadInputTests
{
    public static TheoryData<string, Action<SlowCallCircuitBreakerStrategyOptions<int>>> MoreInvalidValues => new()
    {
        { "SlidingWindowType", o => o.SlidingWindowType = (SlidingWindowType)(-1) },
        { "SamplingDuration", o => o.SamplingDuration = TimeSpan.MinValue },
        { "SamplingDuration", o => o.SamplingDuration = TimeSpan.MaxValue },
        { "SlidingWindowSize", o => o.SlidingWindowSize = -5 },
        { "SlidingWindowSize", o => o.SlidingWindowSize = int.MaxValue },
        { "MinimumThroughput", o => o.MinimumThroughput = -1 },
        { "MinimumThroughput", o => o.MinimumThroughput = int.MinValue },
        { "MinimumThroughput", o => o.MinimumThroughput = 1_000_001 }, // issue 11, bug 7: it silently disabled the ratio rules
        { "MinimumThroughput", o => o.MinimumThroughput = int.MaxValue },
        { "Name", o => o.Name = string.Empty }, // issue 11, bug 7: rejections read "The circuit breaker '' is open"
        { "Name", o => o.Name = "   " },
        { "FailureThreshold", o => o.FailureThreshold = int.MaxValue },
        { "FailureRatio", o => o.FailureRatio = -0.5 },
        { "FailureRatio", o => o.FailureRatio = double.PositiveInfinity },
        { "FailureRatio", o => o.FailureRatio = double.NegativeInfinity },
        { "SlowCallDurationThreshold", o => o.SlowCallDurationThreshold = TimeSpan.FromTicks(-1) },
        { "SlowCallDurationThreshold", o => o.SlowCallDurationThreshold = TimeSpan.MaxValue },
        { "SlowCallRatio", o => o.SlowCallRatio = -0.1 },
        { "SlowCallRatio", o => o.SlowCallRatio = double.PositiveInfinity },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.FromTicks(-1) },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.MinValue },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.MaxValue },
        { "SuccessThreshold", o => o.SuccessThreshold = -1 },
        { "SuccessThreshold", o => o.SuccessThreshold = int.MaxValue },
        { "RecoveryRampUp", o => o.RecoveryRampUp = TimeSpan.Zero },
        { "RecoveryRampUp", o => o.RecoveryRampUp = TimeSpan.FromTicks(-1) },
        { "RecoveryRampUp", o => o.RecoveryRampUp = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
    };

    [Theory]
    [MemberData(nameof(MoreInvalidValues))]
    public void Any_out_of_range_value_fails_at_build_naming_the_property(string property, Action<SlowCallCircuitBreakerStrategyOptions<int>> corrupt)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        corrupt(options);

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains(property, exception.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Action<SlowCallCircuitBreakerStrategyOptions<int>>> ValuesAtTheBounds => new()
    {
        { "SamplingDuration = 1 tick", o => o.SamplingDuration = TimeSpan.FromTicks(1) },
        { "SamplingDuration = 1 day", o => o.SamplingDuration = TimeSpan.FromDays(1) },
        { "SlidingWindowSize = 1", o => (o.SlidingWindowSize, o.MinimumThroughput, o.FailureThreshold) = (1, 1, 1) },
        { "SlidingWindowSize = 1,000,000", o => o.SlidingWindowSize = 1_000_000 },
        { "MinimumThroughput = 1", o => o.MinimumThroughput = 1 },
        { "MinimumThroughput = 1,000,000", o => o.MinimumThroughput = 1_000_000 },
        { "MinimumThroughput = SlidingWindowSize", o => (o.SlidingWindowType, o.SlidingWindowSize, o.MinimumThroughput) = (SlidingWindowType.CountBased, 7, 7) },
        { "FailureThreshold = SlidingWindowSize", o => (o.SlidingWindowType, o.SlidingWindowSize, o.MinimumThroughput, o.FailureThreshold) = (SlidingWindowType.CountBased, 7, 1, 7) },
        { "SlowCallDurationThreshold = 1 tick", o => o.SlowCallDurationThreshold = TimeSpan.FromTicks(1) },
        { "SlowCallDurationThreshold = 1 day", o => o.SlowCallDurationThreshold = TimeSpan.FromDays(1) },
        { "BreakDuration = 1 tick", o => o.BreakDuration = TimeSpan.FromTicks(1) },
        { "BreakDuration = 1 day", o => o.BreakDuration = TimeSpan.FromDays(1) },
        { "SuccessThreshold = 1", o => o.SuccessThreshold = 1 },
        { "SuccessThreshold = 1000", o => o.SuccessThreshold = 1000 },
        { "only FailureThreshold", o => (o.FailureThreshold, o.FailureRatio, o.SlowCallDurationThreshold) = (1, null, null) },
        { "only FailureRatio", o => (o.FailureThreshold, o.FailureRatio, o.SlowCallDurationThreshold) = (null, 0.5, null) },
        { "only slow calls", o => (o.FailureThreshold, o.FailureRatio, o.SlowCallDurationThreshold) = (null, null, TimeSpan.FromSeconds(1)) },
    };

    [Theory]
    [MemberData(nameof(ValuesAtTheBounds))]
    public void Values_at_the_bounds_are_valid_and_the_breaker_works_with_them(string bound, Action<SlowCallCircuitBreakerStrategyOptions<int>> set)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        set(options);

        var breaker = new Breaker(options);
        breaker.Succeed();

        Assert.True(breaker.State == CircuitState.Closed, bound);
    }

    [Fact]
    public async Task Every_rejection_message_names_the_breaker_and_why_it_rejects()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.Name = "payment-api";
        options.ManualControl = control;
        var breaker = new Breaker(options);
        var release = new TaskCompletionSource<Outcome<int>>();

        breaker.Fail();
        var open = breaker.Succeed().Exception!.Message;
        breaker.Advance(TimeSpan.FromSeconds(30));
        var probe = breaker.RunAsync(_ => new(release.Task));
        var halfOpen = breaker.Succeed().Exception!.Message;
        release.SetResult(Outcome.FromResult(1));
        Assert.Equal(1, (await probe).Result);
        await control.IsolateAsync();
        var isolated = breaker.Succeed().Exception!.Message;

        Assert.Equal("The circuit breaker 'payment-api' is open; calls are rejected until the break ends.", open);
        Assert.Equal("The circuit breaker 'payment-api' is half-open and its 1 probe(s) are running; other calls are rejected.", halfOpen);
        Assert.Equal("The circuit breaker 'payment-api' is isolated; calls are rejected until it is closed by hand.", isolated);
    }

    [Fact]
    public void Invalid_options_fail_at_build_on_a_non_generic_pipeline_too()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions { SuccessThreshold = 0, ShouldHandle = null! };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(options));

        Assert.Contains("SuccessThreshold", exception.Message, StringComparison.Ordinal);
        Assert.Contains("ShouldHandle", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cross_field_errors_say_what_the_window_can_never_hold()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.CountBased,
            SlidingWindowSize = 5,
            MinimumThroughput = 6,
            FailureThreshold = 7,
        };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains("MinimumThroughput (6) must not exceed SlidingWindowSize (5)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("FailureThreshold (7) must not exceed SlidingWindowSize (5)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_predicate_is_named_together_with_every_other_bad_property()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { ShouldHandle = null!, MinimumThroughput = 0, BreakDuration = TimeSpan.Zero };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains("ShouldHandle", exception.Message, StringComparison.Ordinal);
        Assert.Contains("MinimumThroughput", exception.Message, StringComparison.Ordinal);
        Assert.Contains("BreakDuration", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_builder_or_null_options_is_an_ArgumentNullException_naming_it()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(
            () => SlowCallCircuitBreakerResiliencePipelineBuilderExtensions.AddSlowCallCircuitBreaker(null!, new SlowCallCircuitBreakerStrategyOptions())).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(
            () => SlowCallCircuitBreakerResiliencePipelineBuilderExtensions.AddSlowCallCircuitBreaker<int>(null!, new SlowCallCircuitBreakerStrategyOptions<int>())).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(
            () => new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(null!)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(
            () => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker<int>(null!)).ParamName);
    }

    [Fact]
    public void A_null_name_falls_back_to_the_default_breaker_name()
    {
        var options = NewOptions(failureThreshold: 1);
        options.Name = null;
        var breaker = new Breaker(options);

        breaker.Fail();
        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Contains("'SlowCallCircuitBreaker'", rejection.Message, StringComparison.Ordinal);
        Assert.Equal("SlowCallCircuitBreaker", Assert.Single(breaker.Transitions).BreakerName);
    }

    [Fact]
    public async Task A_null_callback_or_context_is_an_ArgumentNullException_and_records_nothing()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1));
        var context = ResilienceContextPool.Shared.Get();

        Assert.Throws<ArgumentNullException>(() => breaker.Pipeline.Execute((Func<int>)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => breaker.Pipeline.ExecuteAsync((Func<CancellationToken, ValueTask<int>>)null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => breaker.Pipeline.ExecuteOutcomeAsync<int, string>(null!, context, "state").AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => breaker.Pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(1), null!, "state").AsTask());

        Assert.Equal(default, breaker.Metrics);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Empty(breaker.Transitions);
    }

    [Fact]
    public async Task A_null_callback_on_a_non_generic_pipeline_is_an_ArgumentNullException_and_records_nothing()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { FailureThreshold = 1, StateProvider = provider })
            .Build();

        Assert.Throws<ArgumentNullException>(() => pipeline.Execute((Action)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => pipeline.ExecuteAsync((Func<CancellationToken, ValueTask>)null!).AsTask());

        Assert.Equal(default, provider.Metrics);
        Assert.Equal(CircuitState.Closed, provider.CircuitState);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_predicate_that_throws_makes_each_call_exactly_one_failure_surfacing_its_exception(bool asynchronously)
    {
        var invocations = 0;
        var options = NewOptions(failureThreshold: 3);
        options.ShouldHandle = args =>
        {
            invocations++;
            return asynchronously
                ? ValueTask.FromException<bool>(new FormatException("bad predicate"))
                : throw new FormatException("bad predicate");
        };
        var breaker = new Breaker(options);

        var first = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));
        var second = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("own")));

        Assert.IsType<FormatException>(first.Exception);
        Assert.IsType<FormatException>(second.Exception);
        Assert.Equal(2, invocations);
        Assert.Equal(new CircuitMetrics(2, 2, 0, 1, 0), breaker.Metrics);
        Assert.Equal(CircuitState.Closed, breaker.State);

        await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.FailureThreshold, Assert.Single(breaker.Transitions).Reason);
    }

    [Fact]
    public async Task A_throwing_predicate_on_a_non_generic_pipeline_is_a_failure_too()
    {
        var provider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                FailureThreshold = 1,
                StateProvider = provider,
                ShouldHandle = _ => throw new FormatException("bad predicate"),
            })
            .Build();

        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask("ok"), ResilienceContextPool.Shared.Get(), 0);

        Assert.IsType<FormatException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, provider.CircuitState);
        Assert.Equal(1, provider.Metrics.Failures);
    }

    [Fact]
    public async Task A_throwing_predicate_on_a_probe_reopens_the_circuit_as_a_failed_probe()
    {
        var options = NewOptions(failureThreshold: 1);
        var throwing = false;
        options.ShouldHandle = args => throwing ? throw new FormatException("bad predicate") : new(args.Outcome.Exception is not null);
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        throwing = true;

        var outcome = await breaker.RunAsync(_ => Outcome.FromResultAsValueTask(1));

        Assert.IsType<FormatException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitTransitionReason.HalfOpenProbeFailed, breaker.Transitions[^1].Reason);
    }

    [Theory]
    [InlineData(long.MinValue, 30 * TimeSpan.TicksPerSecond)]
    [InlineData(-1, 30 * TimeSpan.TicksPerSecond)]
    [InlineData(long.MaxValue, 24 * 3600 * TimeSpan.TicksPerSecond)]
    public void A_generator_returning_a_negative_duration_means_BreakDuration_and_a_huge_one_one_day(long generatedTicks, long expectedTicks)
    {
        var options = NewOptions(failureThreshold: 1, successThreshold: 1);
        options.BreakDurationGenerator = _ => ValueTask.FromResult(TimeSpan.FromTicks(generatedTicks));
        var breaker = new Breaker(options);

        breaker.Fail();

        Assert.Equal(TimeSpan.FromTicks(expectedTicks), Assert.Single(breaker.Transitions).BreakDuration);
        if (expectedTicks > 0)
        {
            breaker.AdvanceTicks(expectedTicks - 1);
            Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
            breaker.AdvanceTicks(1);
        }

        Assert.Null(breaker.Succeed().Exception);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task A_generator_faulting_asynchronously_falls_back_to_BreakDuration_and_is_reported()
    {
        var options = NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(9));
        options.BreakDurationGenerator = async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("generator bug");
        };
        var breaker = new Breaker(options);

        var outcome = await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom")));

        Assert.Equal("boom", outcome.Exception!.Message);
        Assert.Equal(TimeSpan.FromSeconds(9), Assert.Single(breaker.Transitions).BreakDuration);
        Assert.Equal("generator bug", Assert.Single(breaker.Telemetry.Named("OnBreakDurationGeneratorFailed")).Exception!.Message);
    }

    [Fact]
    public void Listeners_that_all_throw_change_neither_states_nor_outcomes()
    {
        static SlowCallCircuitBreakerStrategyOptions<int> Options(bool throwing)
        {
            var options = NewOptions(failureThreshold: 2, successThreshold: 1);
            if (throwing)
            {
                options.OnOpened = _ => throw new InvalidOperationException("listener");
                options.OnClosed = _ => ValueTask.FromException(new InvalidOperationException("listener"));
                options.OnHalfOpened = _ => throw new InvalidOperationException("listener");
            }

            return options;
        }

        var quiet = new Breaker(Options(throwing: false));
        var throwing = new Breaker(Options(throwing: true));
        var script = new[] { true, true, false, true, false, false, true, true, true };

        foreach (var breaker in new[] { quiet, throwing })
        {
            foreach (var fail in script)
            {
                breaker.Run(TimeSpan.FromSeconds(10), fail);
            }
        }

        Assert.Equal(quiet.TransitionSummary(), throwing.TransitionSummary());
        Assert.Equal(quiet.Metrics, throwing.Metrics);
        Assert.Equal(quiet.Telemetry.Named("OnCircuitRejected").Count, throwing.Telemetry.Named("OnCircuitRejected").Count);
        Assert.Empty(quiet.Telemetry.Named("OnCircuitCallbackFailed"));
        Assert.Equal(throwing.Transitions.Count, throwing.Telemetry.Named("OnCircuitCallbackFailed").Count);
    }

    [Fact]
    public async Task A_call_cancelled_before_it_starts_never_reaches_the_breaker()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var ran = false;

        var outcome = await breaker.RunAsync(
            _ =>
            {
                ran = true;
                return Outcome.FromResultAsValueTask(1);
            },
            cts.Token);

        // Polly answers it before any strategy runs: no probe is taken, nothing is recorded or rejected.
        Assert.False(ran);
        Assert.IsAssignableFrom<OperationCanceledException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Empty(breaker.Telemetry.Named("OnCircuitRejected"));
        Assert.Null(breaker.Succeed().Exception);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void A_second_slow_call_breaker_with_the_same_name_in_one_pipeline_is_refused_when_added()
    {
        // Issue 11, bug 5: the registry, fleet and dashboard key on the name.
        var builder = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { Name = "payments" });

        var exception = Assert.Throws<ValidationException>(() => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { Name = "payments" }));

        Assert.Contains("Name", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'payments'", exception.Message, StringComparison.Ordinal);
        builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int> { Name = "inventory" }).Build();
    }

    [Fact]
    public void Two_default_named_slow_call_breakers_in_one_non_generic_pipeline_are_refused()
    {
        var builder = new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions());

        Assert.Throws<ValidationException>(() => builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions()));
    }

    [Fact]
    public void The_same_name_in_two_pipelines_is_allowed()
    {
        new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions()).Build();
        new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions()).Build();
    }
}
