using Spectre.Console;
using PollyBreakerExt.Demo.Scenario;
using static PollyBreakerExt.Demo.Reporting.TransitionText;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>Plain lines, for CI logs and redirected output: phases and transitions as they happen, progress now and then.</summary>
public sealed class PlainReporter : IScenarioReporter
{
    private readonly TextWriter _writer;
    private readonly IAnsiConsole _console;
    private readonly Lock _lock = new();
    private DemoTimings? _timings;

    public PlainReporter(TextWriter writer)
    {
        _writer = writer;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        _console.Profile.Width = 150;
    }

    public void Starting(DemoOptions options, DemoTimings timings, Uri productApi, Uri upstream)
    {
        _timings = timings;
        Write(Invariant(
            $"PollyBreakerExt demo: {options.Clients} clients -> product API {productApi} -> upstream {upstream}; {options.Duration.TotalSeconds:0.#} s at speed x{options.Speed:0.##} ({options.WallDuration.TotalSeconds:0.#} s)."));
        Write(PhaseText.Breaker(timings));
    }

    public async Task FollowAsync(ScenarioProgress progress, Task scenario)
    {
        progress.PhaseStarted += phase => Write(Invariant(
            $"t={progress.Elapsed.TotalSeconds,6:0.00}s  phase {PhaseText.Name(phase.Phase)}: {PhaseText.Describe(phase.Phase, _timings!)}"));
        progress.Transitions.Recorded += transition => Write(Line(transition));

        var interval = TimeSpan.FromSeconds(Math.Max(1, progress.Options.WallDuration.TotalSeconds / 15));
        while (await Task.WhenAny(scenario, Task.Delay(interval, TimeProvider.System)) != scenario)
        {
            Write(Progress(progress));
        }
    }

    public void Finished(ScenarioResult result)
    {
        lock (_lock)
        {
            _writer.WriteLine();
            SummaryRenderer.Render(_console, result, TableBorder.Ascii);
        }
    }

    public void ChartWritten(string path) => Write($"Timeline chart: {path}");

    private static string Progress(ScenarioProgress progress)
    {
        var totals = progress.Totals();
        var breaker = progress.Breaker;
        return Invariant(
            $"t={progress.Elapsed.TotalSeconds,6:0.00}s  [{PhaseText.Name(progress.Phase.Phase)}] breaker {State(breaker.State)} (window: {breaker.Metrics.Calls} calls, {breaker.Metrics.FailureRatio:0%} failed, {breaker.Metrics.SlowCallRatio:0%} slow)  {totals.CallsPerSecond:0.0} calls/s; calls {totals.Calls}, ok {totals.Ok}, failed {totals.Failed}, slow {totals.Slow}, rejected {totals.Rejected} (cache {totals.FromCache}, 503 {totals.Unavailable})");
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            _writer.WriteLine(line); // not through Spectre, which would wrap long lines
            _writer.Flush();
        }
    }
}
