using System.Text.Json;
using Spectre.Console.Testing;
using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Cli;

public sealed class TunerProgramTests : IDisposable
{
    private static readonly string[] ResultFields = ["options", "calls", "admitted", "rejected", "rejectedSuccesses", "admittedFailures", "opens", "timeOpenMs", "firstOpenMs"];

    private readonly TempFiles _files = new();
    private readonly string _trace;

    public TunerProgramTests()
        => _trace = _files.Write("calls.csv", Traces.Csv("0,0,failure", "1,0,failure", "2,0,failure", "500,0,success", "900,0,failure", "1500,0,success", "1600,0,success"));

    [Theory]
    [InlineData("--help")]
    [InlineData("replay", "--help")]
    [InlineData("sweep", "-h")]
    public void Every_command_has_help(params string[] args)
    {
        var (exitCode, output, _) = Tune.Run(args);

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("pollybreaker-tune", output, StringComparison.Ordinal);
        Assert.Contains(args.Length == 1 ? "replay" : "--trace", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replay", "--trace", "calls.csv")]
    [InlineData("replay", "--trace", "calls.csv", "--options", "b.json", "--format", "xml")]
    [InlineData("replay", "--trace", "calls.csv", "--options", "b.json", "--chart", "out.jpg")]
    [InlineData("sweep", "--trace", "calls.csv", "--grid", "g.json", "--top", "0")]
    [InlineData("sweep", "--trace", "calls.csv", "--grid", "g.json", "--parallel", "many")]
    [InlineData("tune")]
    [InlineData()]
    public void Bad_arguments_exit_2_with_the_reason_and_where_help_is(params string[] args)
    {
        var (exitCode, output, error) = Tune.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("--help'.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_prints_the_W5_fields_as_json()
    {
        var options = _files.Write("breaker.json", """{ "FailureThreshold": 3, "BreakDuration": "00:00:01" }""");

        var (exitCode, output, error) = Tune.Run("replay", "--trace", _trace, "--options", options, "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(ResultFields, json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"FailureThreshold":3,"BreakDuration":"00:00:01"}""", json.RootElement.GetProperty("options").GetRawText());
        Assert.Equal(7, json.RootElement.GetProperty("calls").GetInt64());
        Assert.Equal(5, json.RootElement.GetProperty("admitted").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("rejected").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("rejectedSuccesses").GetInt64());
        Assert.Equal(3, json.RootElement.GetProperty("admittedFailures").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("opens").GetInt64());
        Assert.Equal(1498, json.RootElement.GetProperty("timeOpenMs").GetInt64()); // open at 2 until the call at 1500
        Assert.Equal(2, json.RootElement.GetProperty("firstOpenMs").GetInt64());
    }

    [Fact]
    public void First_open_is_null_when_the_breaker_never_opens()
    {
        var options = _files.Write("breaker.json", """{ "FailureThreshold": 100 }""");

        var (_, output, _) = Tune.Run("replay", "--trace", _trace, "--options", options, "--format", "json");

        using var json = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("firstOpenMs").ValueKind);
        Assert.Equal(0, json.RootElement.GetProperty("opens").GetInt64());
    }

    [Fact]
    public void Replay_writes_decisions_in_trace_order_a_table_and_a_timeline_chart()
    {
        var unsorted = _files.Write("unsorted.csv", Traces.Csv("1600,0,success", "0,0,failure", "500,0,success", "1,0,failure", "2,0,failure"));
        var options = _files.Write("breaker.json", """{ "FailureThreshold": 3, "BreakDuration": "00:00:01" }""");
        var decisions = _files.Path("decisions.csv");
        var chart = _files.Path("charts/replay.png");

        var (exitCode, output, error) = Tune.Run("replay", "--trace", unsorted, "--options", options, "--calls", decisions, "--chart", chart);

        Assert.True(exitCode == 0, error);
        Assert.Equal(["start_ms,admitted", "1600,true", "0,true", "500,false", "1,true", "2,true"], File.ReadAllLines(decisions));
        Assert.Contains("admitted failures", output, StringComparison.Ordinal);
        Assert.Contains("FailureThreshold=3", output, StringComparison.Ordinal);
        AssertPng(chart);
    }

    [Fact]
    public void Sweep_ranks_candidates_by_admitted_failures_plus_rejected_successes_and_prints_the_top()
    {
        var grid = _files.Write("grid.json", """{ "FailureThreshold": [1, 2, 3, 50], "BreakDuration": ["00:00:00.100", "00:00:01"] }""");

        var (exitCode, output, error) = Tune.Run("sweep", "--trace", _trace, "--grid", grid, "--top", "3", "--format", "json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var ranked = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, ranked.Count);
        Assert.All(ranked, candidate => Assert.Equal(ResultFields, candidate.EnumerateObject().Select(p => p.Name)));
        var costs = ranked.Select(c => c.GetProperty("admittedFailures").GetInt64() + c.GetProperty("rejectedSuccesses").GetInt64()).ToList();
        Assert.Equal(costs.Order(), costs);

        // The best of all eight, checked one by one with replay.
        var all = new List<long>();
        foreach (var threshold in new[] { 1, 2, 3, 50 })
        {
            foreach (var duration in new[] { "00:00:00.100", "00:00:01" })
            {
                var options = _files.Write("one.json", $$"""{ "FailureThreshold": {{threshold}}, "BreakDuration": "{{duration}}" }""");
                using var one = JsonDocument.Parse(Tune.Run("replay", "--trace", _trace, "--options", options, "--format", "json").Output);
                all.Add(one.RootElement.GetProperty("admittedFailures").GetInt64() + one.RootElement.GetProperty("rejectedSuccesses").GetInt64());
            }
        }

        Assert.Equal(all.Order().Take(3), costs);
    }

    [Fact]
    public void Sweep_gives_the_same_results_on_one_core_and_on_all()
    {
        var trace = Path.Combine(AppContext.BaseDirectory, "Reference", "seed-07.trace.csv");
        var grid = _files.Write("grid.json", """{ "FailureThreshold": [1, 2, 4], "SuccessThreshold": [1, 3], "BreakDuration": ["00:00:00.250", "00:00:01"] }""");

        var one = Tune.Run("sweep", "--trace", trace, "--grid", grid, "--top", "12", "--format", "json", "--parallel", "1");
        var all = Tune.Run("sweep", "--trace", trace, "--grid", grid, "--top", "12", "--format", "json", "--parallel", "4");

        Assert.Equal(0, one.ExitCode);
        Assert.Equal(one.Output, all.Output);
    }

    [Fact]
    public void Sweep_writes_a_table_and_a_pareto_chart()
    {
        var grid = _files.Write("grid.json", """{ "FailureThreshold": [1, 2, 3], "FailureRatio": [null, 0.5] }""");
        var chart = _files.Path("sweep.png");

        var (exitCode, output, error) = Tune.Run("sweep", "--trace", _trace, "--grid", grid, "--chart", chart);

        Assert.True(exitCode == 0, error);
        Assert.Contains("rank", output, StringComparison.Ordinal);
        Assert.Equal(6, output.Split('\n').Count(line => line.Contains("FailureThreshold=", StringComparison.Ordinal)));
        AssertPng(chart);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(1_000_000, false)]
    public void A_long_sweep_on_an_interactive_terminal_shows_progress(long threshold, bool shown)
    {
        var grid = _files.Write("grid.json", """{ "FailureThreshold": [1, 2, 3] }""");
        using var console = new TestConsole();
        var terminal = console.Interactive();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = TunerProgram.Run(["sweep", "--trace", _trace, "--grid", grid, "--format", "json"], output, error, terminal, threshold);

        Assert.Equal(0, exitCode);
        Assert.Equal(shown, terminal.Output.Contains("replaying 3 candidates", StringComparison.Ordinal));
        Assert.StartsWith("[", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
