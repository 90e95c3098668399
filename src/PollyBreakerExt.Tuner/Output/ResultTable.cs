using System.Globalization;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using Spectre.Console;

namespace PollyBreakerExt.Tuner.Output;

/// <summary>The table format: one row per candidate, the same fields as the JSON.</summary>
internal static class ResultTable
{
    /// <summary>Writes the table.</summary>
    /// <param name="output">Where.</param>
    /// <param name="rows">The candidates, in the order to print; a row without a candidate is the no-breaker baseline.</param>
    /// <param name="ranked">Whether to number the candidates' rows (sweep).</param>
    /// <param name="shared">Properties every candidate has with the same value: printed once above the table, not per row.</param>
    public static void Write(TextWriter output, IReadOnlyList<(CandidateOptions? Candidate, ReplayResult Result)> rows, bool ranked, IReadOnlyList<KeyValuePair<string, string>>? shared = null)
    {
        shared ??= [];
        if (shared.Count > 0)
        {
            output.WriteLine($"Every candidate: {string.Join(", ", shared.Select(p => $"{p.Key}={p.Value}"))}");
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;

        var table = new Table().Border(TableBorder.Rounded);
        if (ranked)
        {
            table.AddColumn(new TableColumn("rank").RightAligned());
        }

        table.AddColumn("options");
        foreach (var column in new[] { "calls", "admitted", "rejected", "rejected successes", "admitted failures", "opens", "time open ms", "first open ms" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        var rank = 0;
        foreach (var (candidate, result) in rows)
        {
            var cells = new List<string>();
            if (ranked)
            {
                cells.Add(candidate is null ? "-" : Number(++rank));
            }

            var own = candidate?.Properties.Where(p => !shared.Contains(p)).Select(p => $"{p.Key}={p.Value}").ToList();
            cells.Add(own is null ? "(no breaker: every call runs)" : own.Count == 0 ? "(defaults)" : Markup.Escape(string.Join(Environment.NewLine, own)));
            cells.AddRange([Number(result.Calls), Number(result.Admitted), Number(result.Rejected), Number(result.RejectedSuccesses),
                Number(result.AdmittedFailures), Number(result.Opens), Number(result.TimeOpenMs), result.FirstOpenMs is { } first ? Number(first) : "never"]);
            table.AddRow([.. cells]);
        }

        console.Write(table);
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
