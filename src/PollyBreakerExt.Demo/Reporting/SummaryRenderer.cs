using Spectre.Console;
using PollyBreakerExt.Demo.Scenario;
using static PollyBreakerExt.Demo.Reporting.TransitionText;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>The final summary: a table per phase, then trips and time open.</summary>
public static class SummaryRenderer
{
    public static void Render(IAnsiConsole console, ScenarioResult result, TableBorder border)
    {
        var table = new Table().Border(border).Title("Summary per phase");
        table.AddColumn("phase");
        foreach (var column in new[] { "calls", "ok", "failed", "slow", "rejected", "from cache", "503s", "p50 ms", "p99 ms" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var row in result.PhaseSummaries.Append(result.Total))
        {
            table.AddRow(
                row.Phase?.ToString().ToLowerInvariant() ?? "total",
                Invariant($"{row.Calls}"),
                Invariant($"{row.Ok}"),
                Invariant($"{row.Failed}"),
                Invariant($"{row.Slow}"),
                Invariant($"{row.Rejected}"),
                Invariant($"{row.FromCache}"),
                Invariant($"{row.Unavailable}"),
                Invariant($"{row.P50.TotalMilliseconds:0}"),
                Invariant($"{row.P99.TotalMilliseconds:0}"));
        }

        console.Write(table);
        foreach (var line in Totals(result))
        {
            console.WriteLine(line);
        }
    }

    public static IEnumerable<string> Totals(ScenarioResult result)
    {
        yield return Invariant($"Trips (closed -> open): {result.Trips}; reopened from half-open: {result.Reopenings}; closings: {result.Closings}.");
        foreach (var ramp in result.RampSegments())
        {
            yield return Invariant(
                $"Recovery ramp from t={ramp.Start.TotalSeconds:0.00}s to {ramp.End.TotalSeconds:0.00}s: admitted share rose from {ramp.StartShare:0%} to 100%; {result.CallsBetween(ramp.Start, ramp.End).Rejected} calls rejected at once meanwhile.");
        }

        yield return Invariant(
            $"Time open: {result.TimeOpen.TotalSeconds:0.0} s, half-open: {result.TimeHalfOpen.TotalSeconds:0.0} s, of {result.Elapsed.TotalSeconds:0.0} s in all (speed x{result.Options.Speed:0.##}).");
    }
}
