using System.Text.Json;
using Spectre.Console.Testing;
using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Cli;

public sealed class TunerProgramTests : IDisposable
{
    private const string EightCandidates = """{ "FailureThreshold": [1, 2, 3, 50], "BreakDuration": ["00:00:00.100", "00:00:01"] }""";

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
        var rows = SweepJson(EightCandidates, top: 3);

        Assert.All(rows, row => Assert.Equal(ResultFields, row.EnumerateObject().Select(p => p.Name)));
        var ranked = rows.Where(row => !IsNoBreaker(row)).ToList();
        Assert.Equal(3, ranked.Count);
        Assert.Single(rows, IsNoBreaker);
        var costs = ranked.Select(Cost).ToList();
        Assert.Equal(costs.Order(), costs);

        // The best of all eight, checked one by one with replay.
        var all = new List<long>();
        foreach (var threshold in new[] { 1, 2, 3, 50 })
        {
            foreach (var duration in new[] { "00:00:00.100", "00:00:01" })
            {
                var options = _files.Write("one.json", $$"""{ "FailureThreshold": {{threshold}}, "BreakDuration": "{{duration}}" }""");
                using var one = JsonDocument.Parse(Tune.Run("replay", "--trace", _trace, "--options", options, "--format", "json").Output);
                all.Add(Cost(one.RootElement));
            }
        }

        Assert.Equal(all.Order().Take(3), costs);
    }

    [Fact]
    public void Sweep_json_holds_no_breaker_with_null_options_after_the_candidates_that_beat_it()
    {
        var rows = SweepJson(EightCandidates, top: 8);

        Assert.Equal(9, rows.Count);
        var place = rows.FindIndex(IsNoBreaker);
        var noBreaker = rows[place];
        Assert.Equal(
            [7, 7, 0, 0, 4, 0, 0], // every call runs, the trace's 4 failures get through
            new[] { "calls", "admitted", "rejected", "rejectedSuccesses", "admittedFailures", "opens", "timeOpenMs" }.Select(name => noBreaker.GetProperty(name).GetInt64()));
        Assert.Equal(JsonValueKind.Null, noBreaker.GetProperty("firstOpenMs").ValueKind);
        Assert.InRange(place, 1, rows.Count - 2); // this grid has candidates on both sides
        Assert.All(rows[..place], row => Assert.True(Cost(row) < 4, row.ToString()));
        Assert.All(rows[(place + 1)..], row => Assert.True(Cost(row) >= 4, row.ToString()));
    }

    [Fact]
    public void Sweep_table_shows_no_breaker_and_how_much_better_the_best_does()
    {
        var grid = _files.Write("grid.json", """{ "FailureThreshold": [2, 50], "BreakDuration": "00:00:01" }""");

        var (exitCode, output, error) = Tune.Run("sweep", "--trace", _trace, "--grid", grid);

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n');
        var noBreaker = Array.FindIndex(lines, line => line.Contains("(no breaker: every call runs)", StringComparison.Ordinal));
        Assert.True(noBreaker > Array.FindIndex(lines, line => line.Contains("│    1 │", StringComparison.Ordinal)), output);
        Assert.Matches(@"│\s+-\s+│ \(no breaker: every call runs\)\s+│\s+7 │\s+7 │\s+0 │\s+0 │\s+4 │\s+0 │\s+0 │\s+never │", lines[noBreaker]);
        Assert.Contains("Best: rank 1 gets 3 calls wrong (2 failures let through, 1 good calls refused), against 4 failures let through with no breaker; 1 of 2 candidates do better than no breaker.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_in_which_every_candidate_is_worse_than_no_breaker_says_so_and_puts_no_breaker_first()
    {
        // One failure, then good calls: any breaker that opens on it refuses good calls to stop nothing.
        var trace = _files.Write("one-failure.csv", Traces.Csv("0,0,failure", "10,0,success", "20,0,success", "30,0,success", "2000,0,success"));
        var grid = _files.Write("grid.json", """{ "FailureThreshold": 1, "BreakDuration": ["00:00:00.015", "00:00:01"] }""");
        var chart = _files.Path("sweep.png");

        var table = Tune.Run("sweep", "--trace", trace, "--grid", grid, "--chart", chart);
        var json = Tune.Run("sweep", "--trace", trace, "--grid", grid, "--format", "json");

        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains(
            "No candidate does better than no breaker: the best, rank 1, gets 2 calls wrong (1 failures let through, 1 good calls refused), more than the 1 failures that get through with no breaker.",
            table.Output,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Best:", table.Output, StringComparison.Ordinal);
        using var rows = JsonDocument.Parse(json.Output);
        Assert.True(IsNoBreaker(rows.RootElement[0]), json.Output);
        Assert.Equal([2, 4], rows.RootElement.EnumerateArray().Skip(1).Select(Cost));
        AssertPng(chart);
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
    [InlineData("replay", "--options")]
    [InlineData("sweep", "--grid")]
    public void A_chart_named_svg_is_written_as_svg(string command, string optionsName)
    {
        var options = _files.Write("options.json", """{ "FailureThreshold": 2 }""");
        var chart = _files.Path("chart.SVG");

        var (exitCode, _, error) = Tune.Run(command, "--trace", _trace, optionsName, options, "--chart", chart);

        Assert.True(exitCode == 0, error);
        var svg = File.ReadAllText(chart);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("</svg>", svg, StringComparison.Ordinal);
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

    private List<JsonElement> SweepJson(string grid, int top)
    {
        var (exitCode, output, error) = Tune.Run("sweep", "--trace", _trace, "--grid", _files.Write("grid.json", grid), "--top", $"{top}", "--format", "json");
        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.EnumerateArray().Select(row => row.Clone())];
    }

    private static bool IsNoBreaker(JsonElement row) => row.GetProperty("options").ValueKind == JsonValueKind.Null;

    private static long Cost(JsonElement row) => row.GetProperty("admittedFailures").GetInt64() + row.GetProperty("rejectedSuccesses").GetInt64();

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
