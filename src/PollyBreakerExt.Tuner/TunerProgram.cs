using System.CommandLine;
using System.CommandLine.Help;
using PollyBreakerExt.Tuner.Cli;
using Spectre.Console;

namespace PollyBreakerExt.Tuner;

/// <summary>The tool's entry: <c>pollybreaker-tune replay|sweep</c>.</summary>
internal static class TunerProgram
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const string CommandName = "pollybreaker-tune";

    /// <summary>Runs the command line; bad input (arguments, trace, options) prints one error line and returns 2.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Results and help.</param>
    /// <param name="error">Errors.</param>
    /// <param name="progressConsole">Where long sweeps draw a progress bar; null when not on an interactive terminal.</param>
    /// <param name="progressThreshold">Replayed calls (candidates x rows) from which a sweep shows progress.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, IAnsiConsole? progressConsole = null, long progressThreshold = SweepCommand.DefaultProgressThreshold)
    {
        // A named root rather than RootCommand, which is named after the executable: as a .NET tool that is the dll's name.
        var root = new Command(CommandName, "What would this breaker have done? Replays recorded calls through the real slow-call circuit breaker on a fake clock.")
        {
            new HelpOption(),
            new VersionOption(),
            ReplayCommand.Create(output),
            SweepCommand.Create(output, progressConsole, progressThreshold),
        };

        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"error: {problem.Message}");
            }

            var command = ReferenceEquals(parsed.CommandResult.Command, root) ? CommandName : $"{CommandName} {parsed.CommandResult.Command.Name}";
            error.WriteLine($"See '{command} --help'.");
            return ExitUsage;
        }

        try
        {
            return parsed.Invoke(configuration);
        }
        catch (TunerInputException bad)
        {
            error.WriteLine($"error: {bad.Message}");
            return ExitUsage;
        }
    }
}
