using System.CommandLine;
using System.Globalization;
using PollyBreakerExt.Tuner.Charts;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Output;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;
using PollyBreakerExt.Tuner.Trace;
using Spectre.Console;

namespace PollyBreakerExt.Tuner.Cli;

/// <summary><c>sweep --trace calls.csv --grid grid.json [--top 10] [--chart out.png] [--format table|json] [--parallel N]</c>.</summary>
internal static class SweepCommand
{
    /// <summary>Replayed calls (candidates x trace rows) above which an interactive terminal shows a progress bar.</summary>
    public const long DefaultProgressThreshold = 5_000_000;

    public static Command Create(TextWriter output, IAnsiConsole? progressConsole, long progressThreshold = DefaultProgressThreshold)
    {
        var trace = TunerCommandLine.Trace();
        var grid = new Option<string>("--grid")
        {
            Description = "The options to try, as JSON: each property a value or an array of values; every combination is one candidate.",
            Required = true,
            HelpName = "grid.json",
        };
        var top = TunerCommandLine.PositiveInt("--top", "How many of the best candidates to print.", 10, 100_000);
        var parallel = TunerCommandLine.PositiveInt("--parallel", "How many candidates to replay at once (default: every core).", Environment.ProcessorCount, 1024);
        var chart = TunerCommandLine.Chart();
        var format = TunerCommandLine.Format();

        var command = new Command("sweep", "Replay a trace with every combination of a grid of options and rank them.")
        {
            trace, grid, top, chart, format, parallel,
        };
        command.SetAction(parsed => Run(
            parsed.GetValue(trace)!,
            parsed.GetValue(grid)!,
            parsed.GetValue(top),
            parsed.GetValue(chart),
            parsed.GetValue(format)!,
            parsed.GetValue(parallel),
            output,
            progressConsole,
            progressThreshold));
        return command;
    }

    private static int Run(string tracePath, string gridPath, int top, string? chartPath, string format, int parallel, TextWriter output, IAnsiConsole? progressConsole, long progressThreshold)
    {
        var candidates = OptionsFiles.ReadGrid(gridPath);
        using var trace = SortedTrace.Load(tracePath);

        ReplayResult[] results;
        if (progressConsole is not null && trace.Count * candidates.Count >= progressThreshold)
        {
            results = null!;
            progressConsole.Progress().Start(context =>
            {
                var task = context.AddTask($"replaying {candidates.Count} candidates", maxValue: candidates.Count);
                results = SweepRunner.Run(trace, candidates, parallel, () => task.Increment(1));
            });
        }
        else
        {
            results = SweepRunner.Run(trace, candidates, parallel);
        }

        var ranking = SweepRunner.Rank(results);
        var noBreaker = SweepRunner.NoBreaker(trace);
        if (chartPath is not null)
        {
            SweepChart.Write(chartPath, candidates, results, ranking[0], noBreaker);
        }

        var rows = SweepRunner.TopWithNoBreaker(ranking, results, noBreaker, top)
            .Select(i => i < 0 ? ((CandidateOptions?)null, noBreaker) : (candidates[i], results[i]))
            .ToList();
        if (format == "json")
        {
            output.WriteLine(ResultJson.Many(rows));
        }
        else
        {
            var shared = candidates[0].Properties.Where(p => candidates.All(c => c.Properties.Contains(p))).ToList();
            ResultTable.Write(output, rows, ranked: true, candidates.Count > 1 ? shared : null);
            output.WriteLine(Verdict(results, ranking[0], noBreaker));
        }

        return TunerProgram.ExitOk;
    }

    /// <summary>The line under the table: whether the best candidate does better than no breaker, with the numbers.</summary>
    private static string Verdict(ReplayResult[] results, int best, ReplayResult noBreaker)
    {
        var winner = results[best];
        var wrong = string.Create(CultureInfo.InvariantCulture, $"{winner.Cost:N0} calls wrong ({winner.AdmittedFailures:N0} failures let through, {winner.RejectedSuccesses:N0} good calls refused)");
        var failures = noBreaker.AdmittedFailures.ToString("N0", CultureInfo.InvariantCulture);
        if (SweepRunner.BeatsNoBreaker(winner, noBreaker))
        {
            var beating = results.Count(r => SweepRunner.BeatsNoBreaker(r, noBreaker));
            return string.Create(CultureInfo.InvariantCulture,
                $"Best: rank 1 gets {wrong}, against {failures} failures let through with no breaker; {beating:N0} of {results.Length:N0} candidates do better than no breaker.");
        }

        return $"No candidate does better than no breaker: the best, rank 1, gets {wrong}, {(winner.Cost == noBreaker.Cost ? "as many as" : "more than")} the {failures} failures "
            + "that get through with no breaker. Try a grid with other thresholds, windows or breaks, or go without a breaker for this traffic.";
    }
}
