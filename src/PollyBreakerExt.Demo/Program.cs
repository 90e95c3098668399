using System.Runtime.InteropServices;
using PollyBreakerExt.Demo;

// Ctrl+C and SIGTERM stop the scenario or the server gracefully.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var terminal = !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
return await DemoProgram.RunAsync(args, Console.Out, Console.Error, terminal, stop.Token);
