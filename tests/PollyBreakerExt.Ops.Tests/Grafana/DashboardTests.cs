using System.Text.RegularExpressions;
using PollyBreakerExt.Ops.Tests.Infrastructure;

namespace PollyBreakerExt.Ops.Tests.Grafana;

/// <summary>deploy/grafana/pollybreakerext.json as Grafana imports it: the panels the seed asks for, and variables that work with "All".</summary>
public sealed partial class DashboardTests
{
    private readonly GrafanaDashboard _dashboard = GrafanaDashboard.Load();

    [Theory]
    [InlineData("pipeline")]
    [InlineData("breaker")]
    [InlineData("replica")]
    public void A_variable_offers_All_as_a_regex_that_matches_every_value(string name)
    {
        var variable = Assert.Single(_dashboard.Variables, variable => variable.GetProperty("name").GetString() == name);

        Assert.True(variable.GetProperty("includeAll").GetBoolean());
        Assert.True(variable.GetProperty("multi").GetBoolean());
        Assert.Equal(".*", variable.GetProperty("allValue").GetString());
    }

    [Fact]
    public void Every_breaker_selector_filters_by_the_pipeline_and_breaker_variables_as_regexes()
    {
        var selectors = 0;
        foreach (var (panel, refId, expr) in _dashboard.Queries)
        {
            foreach (Match selector in MetricSelector().Matches(expr))
            {
                var name = selector.Groups["name"].Value;
                var matchers = selector.Groups["matchers"].Value;
                if (name.Contains("fleet", StringComparison.Ordinal))
                {
                    Assert.Contains("fleet_replica=~\"$replica\"", matchers, StringComparison.Ordinal);
                }
                else if (name != "ALERTS")
                {
                    Assert.True(
                        matchers.Contains("pipeline_name=~\"$pipeline\"", StringComparison.Ordinal) && matchers.Contains("strategy_name=~\"$breaker\"", StringComparison.Ordinal),
                        $"{panel} {refId}: {name}{{{matchers}}} should match pipeline_name=~\"$pipeline\" and strategy_name=~\"$breaker\"");
                }

                selectors++;
            }

            // A metric written without braces would escape the variables.
            Assert.DoesNotMatch(@"(resilience_|breaker:)[a-z_:]+(?![a-z_:{])", MetricSelector().Replace(expr, ""));
        }

        Assert.True(selectors >= 15, $"only {selectors} selectors found");
    }

    [Theory]
    [InlineData("state-timeline", "resilience_circuit_breaker_state{")]
    [InlineData("timeseries", "resilience_circuit_breaker_failure_ratio{")]
    [InlineData("timeseries", "resilience_circuit_breaker_slow_call_ratio{")]
    [InlineData("timeseries", "rejected_calls")]
    [InlineData("bargauge", "breaker:resilience_circuit_breaker_not_closed:bool{")]
    [InlineData("timeseries", "resilience_circuit_breaker_open_duration_seconds_bucket{")]
    [InlineData("timeseries", "circuit_breaker_previous_state=\"half_open\"")]
    [InlineData("timeseries", "circuit_breaker_reason) (increase(resilience_circuit_breaker_transitions_total{")]
    [InlineData("timeseries", "resilience_polly_strategy_events_total{")]
    [InlineData("state-timeline", "resilience_circuit_breaker_fleet_connected{")]
    [InlineData("timeseries", "resilience_circuit_breaker_fleet_messages_total{")]
    public void The_dashboard_has_a_panel_for(string type, string query)
        => Assert.Contains(
            _dashboard.Panels,
            panel => panel.GetProperty("type").GetString() == type
                && panel.GetProperty("targets").EnumerateArray().Any(target => target.GetProperty("expr").GetString()!.Contains(query, StringComparison.Ordinal)));

    [Fact]
    public void The_state_timeline_names_the_three_states()
    {
        var panel = _dashboard.Panels.First(panel => panel.GetProperty("title").GetString() == "State per circuit");
        var mappings = panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("mappings")[0].GetProperty("options");

        Assert.Equal("closed", mappings.GetProperty("0").GetProperty("text").GetString());
        Assert.Equal("half-open", mappings.GetProperty("0.5").GetProperty("text").GetString());
        Assert.Equal("open", mappings.GetProperty("1").GetProperty("text").GetString());
    }

    [Fact]
    public void Every_panel_has_a_unique_id_a_description_and_queries_the_chosen_datasource()
    {
        Assert.Equal(_dashboard.Panels.Count, _dashboard.Panels.Select(panel => panel.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in _dashboard.Panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.False(string.IsNullOrWhiteSpace(panel.GetProperty("description").GetString()), $"{title}: no description");
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        }

        Assert.Equal("pollybreakerext", _dashboard.Root.GetProperty("uid").GetString());
    }

    // A metric name or recorded series followed by its matchers, e.g. resilience_circuit_breaker_state{pipeline_name=~"$pipeline"}.
    [GeneratedRegex(@"(?<name>ALERTS|breaker:[a-z_]+:[a-z0-9_]+|resilience_[a-z_]+)\{(?<matchers>[^}]*)\}")]
    private static partial Regex MetricSelector();
}
