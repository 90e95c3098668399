using System.CommandLine;
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
        if (chartPath is not null)
        {
            SweepChart.Write(chartPath, candidates, results, ranking[0]);
        }

        var best = ranking.Take(top).Select(i => (candidates[i], results[i])).ToList();
        if (format == "json")
        {
            output.WriteLine(ResultJson.Many(best));
        }
        else
        {
            var shared = candidates[0].Properties.Where(p => candidates.All(c => c.Properties.Contains(p))).ToList();
            ResultTable.Write(output, best, ranked: true, candidates.Count > 1 ? shared : null);
        }

        return TunerProgram.ExitOk;
    }
}
