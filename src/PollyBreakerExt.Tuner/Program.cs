using PollyBreakerExt.Tuner;
using Spectre.Console;

var interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
var progressConsole = interactive ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : null;
return TunerProgram.Run(args, Console.Out, Console.Error, progressConsole);
