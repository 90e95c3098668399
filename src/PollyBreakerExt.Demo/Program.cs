using PollyBreakerExt.Demo;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var terminal = !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
return await DemoProgram.RunAsync(args, Console.Out, Console.Error, terminal, stop.Token);
