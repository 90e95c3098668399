using System.ComponentModel.DataAnnotations;
using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests;

public class SlowCallCircuitBreakerStrategyOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions();

        Assert.Equal("SlowCallCircuitBreaker", options.Name);
        Assert.Equal(SlidingWindowType.TimeBased, options.SlidingWindowType);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SamplingDuration);
        Assert.Equal(100, options.SlidingWindowSize);
        Assert.Equal(10, options.MinimumThroughput);
        Assert.Equal(5, options.FailureThreshold);
        Assert.Null(options.FailureRatio);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SlowCallDurationThreshold);
        Assert.Equal(0.5, options.SlowCallRatio);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Null(options.BreakDurationGenerator);
        Assert.Equal(2, options.SuccessThreshold);
        Assert.NotNull(options.ShouldHandle);
        Assert.Null(options.OnOpened);
        Assert.Null(options.OnClosed);
        Assert.Null(options.OnHalfOpened);
        Assert.Null(options.OnStateChanged);
        Assert.Null(options.ManualControl);
        Assert.Null(options.StateProvider);
        Assert.Null(options.KeySelector);
        Assert.Equal(10_000, options.MaxKeys);
        Assert.Equal(TimeSpan.FromMinutes(10), options.KeyIdleTimeout);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-1.0)] // Timeout.InfiniteTimeSpan, in milliseconds
    [InlineData(0.001)]
    public void KeyIdleTimeout_may_be_null_infinite_or_positive(double? milliseconds)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            KeyIdleTimeout = milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            KeySelector = _ => "k",
        };

        new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options).Build();
    }

    [Fact]
    public async Task Default_ShouldHandle_handles_every_exception_cancellation_included()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        var context = ResilienceContextPool.Shared.Get();

        Assert.True(await options.ShouldHandle(new(context, Outcome.FromException<int>(new InvalidOperationException()))));
        Assert.True(await options.ShouldHandle(new(context, Outcome.FromException<int>(new TimeoutException()))));
        Assert.True(await options.ShouldHandle(new(context, Outcome.FromException<int>(new OperationCanceledException()))));
        Assert.True(await options.ShouldHandle(new(context, Outcome.FromException<int>(new TaskCanceledException()))));
        Assert.False(await options.ShouldHandle(new(context, Outcome.FromResult(500))));
    }

    [Fact]
    public void ShouldHandle_accepts_a_Polly_PredicateBuilder()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            ShouldHandle = new PredicateBuilder<int>().Handle<TimeoutException>().HandleResult(500),
        };

        var breaker = new Breaker(options);
        Assert.NotNull(breaker.Pipeline);
    }

    [Fact]
    public void Default_options_are_valid()
    {
        Assert.Empty(Validate(new SlowCallCircuitBreakerStrategyOptions()));
    }

    public static TheoryData<string, Action<SlowCallCircuitBreakerStrategyOptions<int>>> InvalidValues => new()
    {
        { "SlidingWindowType", o => o.SlidingWindowType = (SlidingWindowType)7 },
        { "SamplingDuration", o => o.SamplingDuration = TimeSpan.Zero },
        { "SamplingDuration", o => o.SamplingDuration = TimeSpan.FromSeconds(-1) },
        { "SamplingDuration", o => o.SamplingDuration = TimeSpan.FromDays(2) },
        { "SlidingWindowSize", o => o.SlidingWindowSize = 0 },
        { "SlidingWindowSize", o => o.SlidingWindowSize = 1_000_001 },
        { "MinimumThroughput", o => o.MinimumThroughput = 0 },
        { "FailureThreshold", o => o.FailureThreshold = 0 },
        { "FailureThreshold", o => o.FailureThreshold = -3 },
        { "FailureRatio", o => o.FailureRatio = 0 },
        { "FailureRatio", o => o.FailureRatio = 1.01 },
        { "FailureRatio", o => o.FailureRatio = double.NaN },
        { "SlowCallDurationThreshold", o => o.SlowCallDurationThreshold = TimeSpan.Zero },
        { "SlowCallDurationThreshold", o => o.SlowCallDurationThreshold = TimeSpan.FromDays(3) },
        { "SlowCallRatio", o => o.SlowCallRatio = 0 },
        { "SlowCallRatio", o => o.SlowCallRatio = 2 },
        { "SlowCallRatio", o => o.SlowCallRatio = double.NaN },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.Zero },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.FromDays(1.5) },
        { "SuccessThreshold", o => o.SuccessThreshold = 0 },
        { "SuccessThreshold", o => o.SuccessThreshold = 1001 },
        { "ShouldHandle", o => o.ShouldHandle = null! },
        { "MaxKeys", o => o.MaxKeys = 0 },
        { "MaxKeys", o => o.MaxKeys = -5 },
        { "KeyIdleTimeout", o => o.KeyIdleTimeout = TimeSpan.Zero },
        { "KeyIdleTimeout", o => o.KeyIdleTimeout = TimeSpan.FromSeconds(-3) },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void An_out_of_range_value_is_rejected_naming_the_property(string property, Action<SlowCallCircuitBreakerStrategyOptions<int>> corrupt)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        corrupt(options);

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains(property, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1_000_000)]
    public void FailureThreshold_bounds_are_inclusive(int threshold)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { FailureThreshold = threshold };
        Assert.Empty(Validate(options));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0001)]
    public void A_ratio_of_one_or_just_above_zero_is_valid(double ratio)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { FailureRatio = ratio, SlowCallRatio = ratio };
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Every_bad_property_is_named_in_one_error()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SamplingDuration = TimeSpan.Zero,
            MinimumThroughput = 0,
            FailureRatio = 3,
            SuccessThreshold = 0,
        };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains("SamplingDuration", exception.Message, StringComparison.Ordinal);
        Assert.Contains("MinimumThroughput", exception.Message, StringComparison.Ordinal);
        Assert.Contains("FailureRatio", exception.Message, StringComparison.Ordinal);
        Assert.Contains("SuccessThreshold", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_without_any_trip_condition_are_rejected()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            FailureThreshold = null,
            FailureRatio = null,
            SlowCallDurationThreshold = null,
        };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains("No trip condition", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, null, null)]
    [InlineData(null, 0.5, null)]
    [InlineData(null, null, 1.0)]
    public void Any_single_trip_condition_is_enough(int? failureThreshold, double? failureRatio, double? slowSeconds)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            FailureThreshold = failureThreshold,
            FailureRatio = failureRatio,
            SlowCallDurationThreshold = slowSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
        };

        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Count_based_window_rejects_a_minimum_throughput_it_can_never_hold()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.CountBased,
            SlidingWindowSize = 5,
            MinimumThroughput = 6,
            FailureThreshold = 3,
        };

        var errors = Validate(options);

        var error = Assert.Single(errors);
        Assert.Contains("MinimumThroughput", error.MemberNames);
        Assert.Contains("SlidingWindowSize", error.MemberNames);
    }

    [Fact]
    public void Count_based_window_rejects_a_failure_threshold_it_can_never_hold()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.CountBased,
            SlidingWindowSize = 5,
            MinimumThroughput = 5,
            FailureThreshold = 6,
        };

        var exception = Assert.Throws<ValidationException>(() => new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options));

        Assert.Contains("FailureThreshold (6) must not exceed SlidingWindowSize (5)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Time_based_window_ignores_the_window_size_rules()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.TimeBased,
            SlidingWindowSize = 5,
            MinimumThroughput = 50,
            FailureThreshold = 60,
        };

        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Count_based_window_accepts_thresholds_equal_to_its_size()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>
        {
            SlidingWindowType = SlidingWindowType.CountBased,
            SlidingWindowSize = 5,
            MinimumThroughput = 5,
            FailureThreshold = 5,
        };

        Assert.Empty(Validate(options));
    }

    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
