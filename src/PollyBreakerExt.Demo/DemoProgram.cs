using Spectre.Console;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Reporting;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo;

/// <summary>The demo's entry: parse the command line, then run the scenario or serve.</summary>
public static class DemoProgram
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;
    public const int ExitCancelled = 130;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool terminal, CancellationToken cancellationToken)
    {
        var options = DemoOptionsParser.Parse(args, out var problem);
        if (options is null)
        {
            await error.WriteLineAsync($"error: {problem}");
            await error.WriteLineAsync();
            await error.WriteLineAsync(DemoOptionsParser.Usage);
            return ExitUsage;
        }

        if (options.Help)
        {
            await output.WriteLineAsync(DemoOptionsParser.Usage);
            return ExitOk;
        }

        try
        {
            if (options.Fleet is not null)
            {
                return await Fleet.FleetDemo.RunAsync(options, output, terminal && !options.Plain, cancellationToken);
            }

            return options.Serve
                ? await ServeAsync(options, output, error, cancellationToken)
                : await RunScenarioAsync(options, terminal && !options.Plain ? new LiveReporter(AnsiConsole.Console) : new PlainReporter(output), cancellationToken) is not null ? ExitOk : ExitFailed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Stopped.");
            return ExitCancelled;
        }
    }

    /// <summary>Runs the scripted scenario, prints the summary and writes the chart to <see cref="DemoOptions.OutPath"/>.</summary>
    public static async Task<ScenarioResult> RunScenarioAsync(DemoOptions options, IScenarioReporter reporter, CancellationToken cancellationToken)
    {
        var result = await ScenarioRunner.RunAsync(options, reporter, cancellationToken);
        reporter.Finished(result);
        var path = Path.GetFullPath(options.OutPath);
        TimelineChart.Write(result, path);
        reporter.ChartWritten(path);
        return result;
    }

    /// <summary>Keeps the product API running on <see cref="DemoOptions.Urls"/> for curl, with the upstream's phase switchable.</summary>
    public static async Task<int> ServeAsync(DemoOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var timings = new DemoTimings(options.Speed);
        var behavior = new UpstreamBehavior(timings);
        await using var upstream = await UpstreamServer.StartAsync(behavior, cancellationToken);

        var transitions = new BreakerTransitionLog();
        transitions.Recorded += transition => output.WriteLine(TransitionText.Line(transition));
        var app = ProductApiApp.Build(new Uri(options.Urls), upstream.Address, timings, transitions, behavior);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException bindFailed)
        {
            await error.WriteLineAsync($"error: cannot listen on {options.Urls}: {bindFailed.Message} Pick another port with --urls.");
            await app.DisposeAsync();
            return ExitFailed;
        }

        transitions.Start(TimeProvider.System.GetTimestamp());

        var api = LoopbackWebApp.GetAddress(app);
        await output.WriteLineAsync($"""
            PollyBreakerExt demo serving the product API on {api} (upstream on {upstream.Address}); Ctrl+C stops.
            {PhaseText.Breaker(timings)}

              curl {api}products/1
              curl {api}health/circuits
              curl {api}health
              curl {api}metrics                         (Prometheus; deploy/ has alerts and a dashboard)
              open {api}circuits/ui                     (the live dashboard: isolate and close from there)
              curl {api}upstream/phase
              curl -X PUT {api}upstream/phase/slow      (healthy | slow | failing | recovered)

            Transitions are printed here as they happen.
            """);

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        return ExitOk;
    }
}
