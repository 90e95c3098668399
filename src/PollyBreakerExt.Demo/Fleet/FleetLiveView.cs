using System.Globalization;
using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.Upstream;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PollyBreakerExt.Demo.Fleet;

/// <summary>The fleet mode's live view: the three replicas side by side, then the fleet's transitions as they happen.</summary>
public static class FleetLiveView
{
    private const int ShownTransitions = 10;

    public static async Task FollowAsync(IAnsiConsole console, IReadOnlyList<FleetReplica> replicas, UpstreamBehavior upstream, long startedAt, TimeSpan total, Task run)
    {
        await console.Live(Render(replicas, upstream, startedAt, total))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System)) != run)
                {
                    context.UpdateTarget(Render(replicas, upstream, startedAt, total));
                }

                context.UpdateTarget(Render(replicas, upstream, startedAt, total));
            });
        await run;
    }

    private static IRenderable Render(IReadOnlyList<FleetReplica> replicas, UpstreamBehavior upstream, long startedAt, TimeSpan total)
    {
        var columns = new Columns(replicas.Select(Card)).Expand();
        var log = new Table().Border(TableBorder.Simple).Expand().AddColumn("t").AddColumn("replica").AddColumn("transition").AddColumn("reason");
        var transitions = replicas
            .SelectMany(replica => replica.Transitions.Snapshot().Select(transition => (replica.Name, transition)))
            .OrderBy(entry => entry.transition.At)
            .TakeLast(ShownTransitions)
            .ToList();
        foreach (var (name, transition) in transitions)
        {
            log.AddRow(
                Invariant($"{transition.At.TotalSeconds:0.00}s"),
                name,
                Invariant($"[{Color(transition.From)}]{transition.From}[/] -> [{Color(transition.To)}]{transition.To}[/]"),
                transition.Reason == CircuitTransitionReason.Fleet ? "[bold blue]Fleet[/]" : transition.Reason.ToString());
        }

        if (transitions.Count == 0)
        {
            log.AddRow(string.Empty, string.Empty, "[grey]none yet[/]", string.Empty);
        }

        var elapsed = TimeProvider.System.GetElapsedTime(startedAt);
        return new Panel(new Rows(new Markup(Invariant($"upstream: [bold]{upstream.Phase}[/]   traffic on replica-1, a trickle on the others")), columns, log))
            .Header(Invariant($" fleet demo  {elapsed.TotalSeconds:0.0} s / {total.TotalSeconds:0.0} s "))
            .Expand();
    }

    private static Panel Card(FleetReplica replica)
    {
        var breaker = replica.Breaker;
        var state = breaker?.State ?? CircuitState.Closed;
        var retry = breaker?.RetryAfter is { } after ? Invariant($" ({after.TotalSeconds:0.0} s)") : string.Empty;
        var body = new Markup(Invariant(
            $"[bold {Color(state)}]{state.ToString().ToUpperInvariant()}[/]{retry}\n[grey]ok[/] {replica.Ok}  [grey]not ok[/] {replica.NotOk}\n[grey]fleet[/] {(replica.Fleet.IsConnected ? "[green]connected[/]" : "[red]disconnected[/]")}"));
        return new Panel(body).Header(replica.Name).Expand();
    }

    private static string Color(CircuitState state) => state switch
    {
        CircuitState.Closed => "green",
        CircuitState.Open => "red",
        CircuitState.HalfOpen => "yellow",
        _ => "magenta",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
