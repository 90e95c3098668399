using Polly.CircuitBreaker;
using Spectre.Console;
using Spectre.Console.Rendering;
using PollyBreakerExt.Demo.Scenario;
using static PollyBreakerExt.Demo.Reporting.TransitionText;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>Live widgets on a terminal: phase, breaker state, rates and counts, and the transitions as they happen.</summary>
public sealed class LiveReporter : IScenarioReporter
{
    private const int ShownTransitions = 12;

    private readonly IAnsiConsole _console;
    private DemoTimings? _timings;

    public LiveReporter(IAnsiConsole console) => _console = console;

    public void Starting(DemoOptions options, DemoTimings timings, Uri productApi, Uri upstream)
    {
        _timings = timings;
        _console.MarkupLine(Invariant(
            $"[bold]PollyBreakerExt demo[/]: {options.Clients} clients -> product API [link]{productApi}[/] -> upstream [link]{upstream}[/]"));
        _console.MarkupLine(Markup.Escape(PhaseText.Breaker(timings)));
    }

    public async Task FollowAsync(ScenarioProgress progress, Task scenario)
    {
        await _console.Live(Render(progress))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (await Task.WhenAny(scenario, Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System)) != scenario)
                {
                    context.UpdateTarget(Render(progress));
                }

                context.UpdateTarget(Render(progress));
            });

        var transitions = progress.Transitions.Snapshot();
        if (transitions.Count > ShownTransitions)
        {
            _console.MarkupLine(Invariant($"[grey]All {transitions.Count} transitions:[/]"));
            foreach (var transition in transitions)
            {
                _console.WriteLine(Line(transition));
            }
        }
    }

    public void Finished(ScenarioResult result)
    {
        _console.WriteLine();
        SummaryRenderer.Render(_console, result, TableBorder.Rounded);
    }

    public void ChartWritten(string path) => _console.MarkupLine($"Timeline chart: [bold]{Markup.Escape(path)}[/]");

    private static string Color(CircuitState state) => state switch
    {
        CircuitState.Closed => "green",
        CircuitState.Open => "red",
        CircuitState.HalfOpen => "yellow",
        _ => "magenta",
    };

    private IRenderable Render(ScenarioProgress progress)
    {
        var elapsed = progress.Elapsed;
        var total = progress.Options.WallDuration;
        var phase = progress.Phase;
        var phaseIndex = progress.Phases.ToList().IndexOf(phase) + 1;
        var phaseShare = Math.Clamp((elapsed - phase.Start) / (phase.End - phase.Start), 0, 1);
        var breaker = progress.Breaker;
        var totals = progress.Totals();

        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow(
            new Markup("[grey]phase[/]"),
            new Markup(Invariant(
                $"[bold]{PhaseText.Name(phase.Phase)}[/] ({phaseIndex}/{progress.Phases.Count}) {Bar(phaseShare)}  [grey]{Markup.Escape(PhaseText.Describe(phase.Phase, _timings!))}[/]")));
        grid.AddRow(
            new Markup("[grey]breaker[/]"),
            new Markup(Invariant(
                $"[bold {Color(breaker.State)}]{State(breaker.State).ToUpperInvariant()}[/]{(breaker.RetryAfter is { } retry ? $" (probes in {retry.TotalSeconds:0.0} s)" : string.Empty)}  [grey]window:[/] {breaker.Metrics.Calls} calls, {breaker.Metrics.FailureRatio:0%} failed, {breaker.Metrics.SlowCallRatio:0%} slow")));
        grid.AddRow(
            new Markup("[grey]clients[/]"),
            new Markup(Invariant(
                $"[bold]{totals.CallsPerSecond:0.0}[/] calls/s   calls {totals.Calls}   ok [green]{totals.Ok}[/]   failed [red]{totals.Failed}[/]   slow [yellow]{totals.Slow}[/]   rejected [magenta]{totals.Rejected}[/] (from cache [blue]{totals.FromCache}[/], 503 {totals.Unavailable})")));

        var transitions = progress.Transitions.Snapshot();
        var table = new Table().Border(TableBorder.Simple).Expand()
            .AddColumn(new TableColumn("t").RightAligned().Width(8).NoWrap())
            .AddColumn(new TableColumn("transition").Width(20).NoWrap())
            .AddColumn("reason");
        foreach (var transition in transitions.TakeLast(ShownTransitions))
        {
            table.AddRow(
                Invariant($"{transition.At.TotalSeconds:0.00}s"),
                Invariant($"[{Color(transition.From)}]{State(transition.From)}[/] -> [{Color(transition.To)}]{State(transition.To)}[/]"),
                Markup.Escape(Invariant($"[{transition.Reason}] {Reason(transition)}")));
        }

        if (transitions.Count == 0)
        {
            table.AddRow(string.Empty, "[grey]none yet[/]", string.Empty);
        }

        return new Panel(new Rows(grid, table))
            .Header(Invariant($" {elapsed.TotalSeconds:0.0} s / {total.TotalSeconds:0.0} s  (speed x{progress.Options.Speed:0.##}) "))
            .Expand();
    }

    private static string Bar(double share)
    {
        const int Width = 20;
        var filled = (int)Math.Round(share * Width);
        return $"[blue]{new string('█', filled)}[/][grey]{new string('░', Width - filled)}[/]";
    }
}
