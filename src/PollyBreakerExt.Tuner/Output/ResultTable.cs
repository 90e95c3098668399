using System.Globalization;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using Spectre.Console;

namespace PollyBreakerExt.Tuner.Output;

/// <summary>The table format: one row per candidate, the same fields as the JSON.</summary>
internal static class ResultTable
{
    public static void Write(TextWriter output, IReadOnlyList<(CandidateOptions Candidate, ReplayResult Result)> rows, bool ranked)
    {
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

        for (var i = 0; i < rows.Count; i++)
        {
            var (candidate, result) = rows[i];
            var cells = new List<string>();
            if (ranked)
            {
                cells.Add(Number(i + 1));
            }

            cells.Add(candidate.Properties.Count == 0 ? "(defaults)" : Markup.Escape(string.Join(Environment.NewLine, candidate.Properties.Select(p => $"{p.Key}={p.Value}"))));
            cells.AddRange([Number(result.Calls), Number(result.Admitted), Number(result.Rejected), Number(result.RejectedSuccesses),
                Number(result.AdmittedFailures), Number(result.Opens), Number(result.TimeOpenMs), result.FirstOpenMs is { } first ? Number(first) : "never"]);
            table.AddRow([.. cells]);
        }

        console.Write(table);
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
