using System.Text.RegularExpressions;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// Every measured figure README.md and docs/ cite (a ratio to Polly's breaker, a time in ns) comes from a table the
/// benchmarks wrote in benchmarks/results/, so a page cannot keep a figure that the last measurement no longer holds.
/// </summary>
public partial class FigureTests
{
    [Fact]
    public void Every_cited_figure_is_in_a_table_the_benchmarks_wrote()
    {
        var measured = MeasuredValues();
        var unsourced = Repository.DocumentationFiles()
            .SelectMany(file => Figures(File.ReadAllText(file)).Select(figure => (File: file, Figure: figure)))
            .Where(cited => !measured.Contains(cited.Figure.Value))
            .Select(cited => $"{Repository.Relative(cited.File)}: {cited.Figure.Text}")
            .ToList();

        Assert.True(unsourced.Count == 0, "These figures are in no table under benchmarks/results/ (re-run the benchmark with --write, then cite what it wrote):\n" + string.Join("\n", unsourced));
    }

    [Fact]
    public void The_benchmarks_wrote_the_tables_the_pages_cite()
    {
        var files = Directory.GetFiles(Path.Combine(Repository.Root, "benchmarks", "results"), "*.md");

        Assert.Contains(files, file => Path.GetFileName(file) == "interleaved.md");
        Assert.Contains(files, file => Path.GetFileName(file) == "contention.md");
        Assert.All(files, file => Assert.StartsWith("<!-- Written by the benchmarks project", File.ReadAllText(file), StringComparison.Ordinal));
        Assert.Contains("0.69", MeasuredValues(["| closed | 0.69 | 1,938 |"]));
    }

    [Fact]
    public void A_ratio_or_time_is_a_figure_and_code_is_not()
    {
        var figures = Figures("Costs 0.69× Polly's (79 ns, 1,938 ns a cycle), 2–3 × the timeout. `0.5× in code` and\n```\n12 ns\n```\n")
            .Select(figure => figure.Value)
            .ToList();

        Assert.Equal(["0.69", "79", "1,938"], figures);
    }

    internal static IEnumerable<(string Value, string Text)> Figures(string markdown)
    {
        var prose = FencedBlock().Replace(markdown, string.Empty);
        prose = CodeSpan().Replace(prose, string.Empty);
        return Figure().Matches(prose).Select(match => (match.Groups["value"].Value, match.Value));
    }

    private static HashSet<string> MeasuredValues(IEnumerable<string>? lines = null)
    {
        lines ??= Directory.GetFiles(Path.Combine(Repository.Root, "benchmarks", "results"), "*.md").SelectMany(File.ReadLines);
        return lines
            .Where(line => line.StartsWith('|'))
            .SelectMany(line => line.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
    }

    // A ratio is a decimal number before "×"; a time is a number before " ns". Whole-number multiples ("2–3 ×") are advice.
    [GeneratedRegex(@"(?<value>\d+\.\d+)\s?×|(?<value>\d[\d,]*(\.\d+)?)\s?ns\b")]
    private static partial Regex Figure();

    [GeneratedRegex(@"^(```|~~~).*?^\1", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();
}
