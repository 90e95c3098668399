using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PollyBreakerExt.Demo.Upstream;
using PollyBreakerExt.Ops.Tests.Infrastructure;

namespace PollyBreakerExt.Ops.Tests.Integration;

/// <summary>
/// The shipped rules and dashboard against a real Prometheus scraping the demo's real <c>/metrics</c> every second: the
/// open-breaker alert fires for a tripped breaker, every rule evaluates, and every dashboard query returns series.
/// </summary>
/// <remarks>
/// The rules are loaded as shipped (<c>for: 1m</c>, nothing rewritten): the breaker is simply left open for longer than a
/// minute, so the test takes about 75 s.
/// </remarks>
public sealed partial class PrometheusIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_breaker_left_open_fires_CircuitBreakerOpen_and_every_dashboard_query_returns_series()
    {
        // Speed 2: the demo's timings halved (break 1.5 s, slow from 200 ms), with room for a loaded machine's latency.
        await using var demo = await DemoProductApi.StartAsync(speed: 2);
        using var fleet = new FleetStandIn(); // after the demo's meter provider started, so that it hears the counter's adds
        await using var prometheus = await PrometheusServer.StartAsync("demo", demo.Address, [RepositoryFiles.Rules]);
        await WaitUntilAsync(prometheus, "up{job=\"demo\"} == 1", TimeSpan.FromSeconds(30));

        // A whole episode first, so that every panel has something to show: slow calls open the circuit, calls are
        // rejected, the upstream recovers and the half-open probes close it.
        demo.Phase = UpstreamPhase.Slow;
        await demo.DriveUntilAsync("Open", TimeSpan.FromSeconds(60));
        await demo.DriveRoundAsync();
        demo.Phase = UpstreamPhase.Recovered;
        await demo.DriveUntilAsync("Closed", TimeSpan.FromSeconds(60));

        // Prometheus has seen it closed, so the alert's pending clock restarts at the next trip.
        await WaitUntilAsync(prometheus, $"resilience_circuit_breaker_state{{pipeline_name=\"{DemoProductApi.PipelineName}\"}} == 0", TimeSpan.FromSeconds(30));

        // Then trip it for good: the upstream fails, and no call comes to probe it, so it stays open.
        demo.Phase = UpstreamPhase.Failing;
        await demo.DriveUntilAsync("Open", TimeSpan.FromSeconds(60));
        var tripped = Stopwatch.StartNew();
        await demo.DriveRoundAsync();

        await WaitForAlertAsync(prometheus, "CircuitBreakerOpen", "pending", DemoProductApi.PipelineName);
        var tripToPending = tripped.Elapsed;
        var alert = await WaitForAlertAsync(prometheus, "CircuitBreakerOpen", "firing", DemoProductApi.PipelineName);
        var tripToFiring = tripped.Elapsed;
        output.WriteLine($"trip -> CircuitBreakerOpen pending: {tripToPending.TotalSeconds:F1} s, firing: {tripToFiring.TotalSeconds:F1} s (for: 1m, scrape and evaluation every 1 s)");

        var labels = alert.GetProperty("labels");
        Assert.Equal(DemoProductApi.StrategyName, labels.GetProperty("strategy_name").GetString());
        Assert.Equal("demo", labels.GetProperty("job").GetString());
        Assert.Equal(demo.Address.Authority, labels.GetProperty("instance").GetString());
        Assert.Equal("critical", labels.GetProperty("severity").GetString());
        Assert.Contains($"{DemoProductApi.PipelineName}/{DemoProductApi.StrategyName}", alert.GetProperty("annotations").GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(tripToFiring >= TimeSpan.FromSeconds(55), $"fired {tripToFiring} after the trip: before its for: 1m");
        Assert.Equal("Open", await demo.StateAsync());

        // The stand-in's disconnected replica, under the names the exporter gave issue 12's instruments.
        var disconnected = await WaitForAlertAsync(prometheus, "CircuitBreakerFleetDisconnected", "firing", pipelineName: null);
        Assert.Equal(FleetStandIn.DisconnectedReplica, disconnected.GetProperty("labels").GetProperty("fleet_replica").GetString());
        Assert.Equal(FleetStandIn.KeyPrefix, disconnected.GetProperty("labels").GetProperty("fleet_key_prefix").GetString());

        await AssertEveryRuleEvaluatesAsync(prometheus);
        await AssertEveryMetricNameIsScrapedAsync(prometheus);
        await AssertEveryDashboardQueryReturnsSeriesAsync(prometheus);
    }

    private static async Task AssertEveryRuleEvaluatesAsync(PrometheusServer prometheus)
    {
        var rules = (await prometheus.RulesAsync()).EnumerateArray().SelectMany(group => group.GetProperty("rules").EnumerateArray()).ToList();

        Assert.Equal(RuleFile.Load().Count, rules.Count);
        Assert.All(rules, rule => Assert.True(
            rule.GetProperty("health").GetString() == "ok",
            $"{rule.GetProperty("name")}: {rule.GetProperty("health")} {(rule.TryGetProperty("lastError", out var error) ? error : default)}"));
    }

    /// <summary>Every name the rules and the dashboard use is one Prometheus has from the scrape or the recording rules.</summary>
    private async Task AssertEveryMetricNameIsScrapedAsync(PrometheusServer prometheus)
    {
        var names = (await prometheus.LabelValuesAsync("__name__", "{__name__=~\"resilience_.+|breaker:.+\"}"))
            .EnumerateArray().Select(name => name.GetString()!).ToHashSet(StringComparer.Ordinal);
        output.WriteLine("Scraped and recorded names: " + string.Join(", ", names.Order(StringComparer.Ordinal)));

        var used = RuleFile.Load().Select(rule => rule.Expr)
            .Concat(GrafanaDashboard.Load().Queries.Select(query => query.Expr))
            .SelectMany(expr => MetricName().Matches(expr).Select(match => match.Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(used.Count >= 10, string.Join(", ", used));
        Assert.Empty(used.Where(name => !names.Contains(name)).Order(StringComparer.Ordinal));
    }

    private async Task AssertEveryDashboardQueryReturnsSeriesAsync(PrometheusServer prometheus)
    {
        var dashboard = GrafanaDashboard.Load();
        Dictionary<string, string>[] fillings =
        [
            new() { ["pipeline"] = ".*", ["breaker"] = ".*", ["replica"] = ".*", ["datasource"] = "prometheus" },
            new()
            {
                ["pipeline"] = DemoProductApi.PipelineName,
                ["breaker"] = DemoProductApi.StrategyName,
                ["replica"] = FleetStandIn.DisconnectedReplica,
                ["datasource"] = "prometheus",
            },
        ];

        var empty = new List<string>();
        var evaluated = 0;
        foreach (var variables in fillings)
        {
            foreach (var (panel, refId, expr) in dashboard.Queries)
            {
                // The test ran for under two minutes: a 2-minute rate interval and a 5-minute range see all of it.
                var query = GrafanaDashboard.Substitute(expr, variables, rateInterval: TimeSpan.FromMinutes(2), range: TimeSpan.FromMinutes(5));
                var result = (await prometheus.QueryAsync(query)).GetProperty("result");
                evaluated++;
                if (result.GetArrayLength() == 0)
                {
                    empty.Add($"{panel} {refId}: {query}");
                }
            }

            foreach (var (name, selector, label) in dashboard.LabelValuesVariables)
            {
                var match = GrafanaDashboard.Substitute(selector, variables, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5));
                if ((await prometheus.LabelValuesAsync(label, match)).GetArrayLength() == 0)
                {
                    empty.Add($"variable {name}: label_values({match}, {label})");
                }
            }
        }

        output.WriteLine($"{evaluated} panel queries evaluated ({dashboard.Queries.Count()} per filling of the variables), {empty.Count} empty");
        Assert.True(empty.Count == 0, "Queries without series:\n" + string.Join("\n", empty));
    }

    private static async Task<JsonElement> WaitForAlertAsync(PrometheusServer prometheus, string alertName, string state, string? pipelineName)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var alerts = await prometheus.AlertsAsync();
            foreach (var alert in alerts.EnumerateArray())
            {
                var labels = alert.GetProperty("labels");
                if (labels.GetProperty("alertname").GetString() == alertName
                    && alert.GetProperty("state").GetString() == state
                    && (pipelineName is null || (labels.TryGetProperty("pipeline_name", out var pipeline) && pipeline.GetString() == pipelineName)))
                {
                    return alert.Clone();
                }
            }

            Assert.True(deadline.Elapsed < AlertTimeout, $"{alertName} was not {state} within {AlertTimeout}; alerts now: {alerts}\n{prometheus.Log}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilAsync(PrometheusServer prometheus, string promql, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while ((await prometheus.QueryAsync(promql)).GetProperty("result").GetArrayLength() == 0)
        {
            Assert.True(deadline.Elapsed < timeout, $"'{promql}' had no result within {timeout}; targets: {await prometheus.TargetsAsync()}\n{prometheus.Log}");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"\b(resilience_[a-z_]+|breaker:[a-z_]+:[a-z0-9_]+)")]
    private static partial Regex MetricName();
}
