using System.Collections;
using System.CommandLine;
using PollyBreakerExt.Tuner.Charts;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Output;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Cli;

/// <summary><c>replay --trace calls.csv --options breaker.json [--calls decisions.csv] [--chart out.png] [--format table|json]</c>.</summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter output)
    {
        var trace = TunerCommandLine.Trace();
        var options = new Option<string>("--options")
        {
            Description = "The breaker's options as JSON, as configuration binds them (appsettings names; null turns a trip condition off).",
            Required = true,
            HelpName = "breaker.json",
        };
        var calls = new Option<string?>("--calls")
        {
            Description = "Write each row's decision to this CSV, in trace order: start_ms,admitted (true | false).",
            HelpName = "decisions.csv",
        };
        var chart = TunerCommandLine.Chart();
        var format = TunerCommandLine.Format();

        var command = new Command("replay", "Replay a trace through the real breaker with one set of options, on a fake clock.")
        {
            trace, options, calls, chart, format,
        };
        command.SetAction(parsed => Run(
            parsed.GetValue(trace)!,
            parsed.GetValue(options)!,
            parsed.GetValue(calls),
            parsed.GetValue(chart),
            parsed.GetValue(format)!,
            output));
        return command;
    }

    private static int Run(string tracePath, string optionsPath, string? callsPath, string? chartPath, string format, TextWriter output)
    {
        var candidate = OptionsFiles.ReadOptions(optionsPath);
        using var trace = SortedTrace.Load(tracePath);
        if (callsPath is not null && trace.Count > int.MaxValue)
        {
            throw new TunerInputException($"{tracePath}: --calls handles at most {int.MaxValue} rows");
        }

        var decisions = callsPath is null ? null : new BitArray((int)trace.Count);
        var timeline = chartPath is null ? null : new ReplayTimeline(trace.StartMs, trace.EndMs);
        var result = TraceReplayer.Run(trace, candidate, decisions, timeline);

        if (decisions is not null)
        {
            DecisionsCsv.Write(tracePath, decisions, callsPath!);
        }

        if (timeline is not null)
        {
            ReplayChart.Write(chartPath!, timeline, result);
        }

        if (format == "json")
        {
            output.WriteLine(ResultJson.One(candidate, result));
        }
        else
        {
            ResultTable.Write(output, [(candidate, result)], ranked: false);
        }

        return TunerProgram.ExitOk;
    }
}
