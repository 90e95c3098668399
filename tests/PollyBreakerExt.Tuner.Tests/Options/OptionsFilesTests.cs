using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Options;

public sealed class OptionsFilesTests : IDisposable
{
    private readonly TempFiles _files = new();

    [Fact]
    public void Options_bind_as_configuration_does_with_appsettings_names_and_null_turning_a_condition_off()
    {
        var path = _files.Write("breaker.json", """
            {
              "SlidingWindowType": "CountBased",
              "SlidingWindowSize": 20,
              "MinimumThroughput": 4,
              "FailureThreshold": null,
              "failureRatio": 0.25,
              "SlowCallDurationThreshold": "00:00:01.500",
              "BreakDuration": "00:00:05",
              "SuccessThreshold": 3
            }
            """);

        var options = OptionsFiles.ReadOptions(path).CreateOptions();

        Assert.Equal(SlidingWindowType.CountBased, options.SlidingWindowType);
        Assert.Equal(20, options.SlidingWindowSize);
        Assert.Equal(4, options.MinimumThroughput);
        Assert.Null(options.FailureThreshold);
        Assert.Equal(0.25, options.FailureRatio);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.SlowCallDurationThreshold);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BreakDuration);
        Assert.Equal(3, options.SuccessThreshold);
    }

    [Fact]
    public void Null_turns_off_a_trip_condition_in_the_replay()
    {
        var trace = Traces.Csv("0,0,failure", "1,0,failure", "2,0,success");

        var (on, _) = Traces.Replay(trace, """{ "FailureThreshold": 2 }""");
        var (off, _) = Traces.Replay(trace, """{ "FailureThreshold": null, "FailureRatio": 0.9 }""");

        Assert.Equal(1, on.Rejected);
        Assert.Equal(0, off.Rejected);
    }

    [Theory]
    [InlineData("""{ "FailureTreshold": 3 }""", "unknown property 'FailureTreshold'; the options' properties are")]
    [InlineData("""{ "FailureThreshold": "many" }""", "property 'FailureThreshold': \"many\" is not a valid Int32 or null")]
    [InlineData("""{ "BreakDuration": "soon" }""", "property 'BreakDuration': \"soon\" is not a valid TimeSpan")]
    [InlineData("""{ "SlowCallRatio": null }""", "property 'SlowCallRatio' cannot be null")]
    [InlineData("""{ "FailureRatio": 2 }""", "the options do not validate: FailureRatio must be null or more than 0 and at most 1 (was 2).")]
    [InlineData("""{ "FailureThreshold": null, "SlowCallDurationThreshold": null }""", "No trip condition is enabled")]
    [InlineData("""{ "SlidingWindowType": "CountBased", "SlidingWindowSize": 5, "MinimumThroughput": 10 }""", "MinimumThroughput (10) must not exceed SlidingWindowSize (5)")]
    [InlineData("""{ "FailureThreshold": [1, 2] }""", "property 'FailureThreshold' must be one value (arrays of values are for sweep --grid)")]
    [InlineData("""[ 1 ]""", "must be a JSON object of option names and values")]
    [InlineData("""{ "FailureThreshold": 1,, }""", "not valid JSON (line 1)")]
    public void Bad_options_are_refused_naming_the_property(string json, string message)
    {
        var path = _files.Write("breaker.json", json);

        var (exitCode, output, error) = Tune.Run("replay", "--trace", _files.Write("calls.csv", Traces.Csv("0,0,success")), "--options", path);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.StartsWith($"error: {path}: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grid_makes_every_combination_a_candidate_in_order()
    {
        var path = _files.Write("grid.json", """{ "FailureThreshold": [null, 5], "FailureRatio": 0.5, "BreakDuration": ["00:00:05", "00:00:10", "00:00:30"] }""");

        var candidates = OptionsFiles.ReadGrid(path);

        Assert.Equal(6, candidates.Count);
        Assert.Equal("""{"FailureThreshold":null,"FailureRatio":0.5,"BreakDuration":"00:00:05"}""", candidates[0].Json);
        Assert.Equal("""{"FailureThreshold":5,"FailureRatio":0.5,"BreakDuration":"00:00:30"}""", candidates[5].Json);
        Assert.Equal(6, candidates.Select(c => c.Json).Distinct().Count());
    }

    [Theory]
    [InlineData("""{ "FailureThreshold": [] }""", "property 'FailureThreshold' has an empty array")]
    [InlineData("""{ "FailureThreshold": [[1]] }""", "property 'FailureThreshold' must be a value or an array of values")]
    [InlineData("""{ "FailureThreshold": [1, null], "SlowCallDurationThreshold": null }""", "combination 2 {FailureThreshold: null, SlowCallDurationThreshold: null}: the options do not validate: No trip condition")]
    public void A_bad_grid_is_refused_naming_the_property_or_combination(string json, string message)
    {
        var path = _files.Write("grid.json", json);

        var (exitCode, _, error) = Tune.Run("sweep", "--trace", _files.Write("calls.csv", Traces.Csv("0,0,success")), "--grid", path);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
