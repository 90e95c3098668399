using PollyBreakerExt.Ops.Tests.Infrastructure;

namespace PollyBreakerExt.Ops.Tests.Prometheus;

/// <summary>deploy/prometheus/pollybreakerext-rules.yml: valid for promtool, and every alert tells the on-call what to do.</summary>
public sealed class RuleFileTests
{
    private static readonly string[] ShippedAlerts =
        ["CircuitBreakerOpen", "CircuitBreakerFlapping", "CircuitBreakerRejectingCalls", "CircuitBreakerFleetDisconnected"];

    [Fact]
    public async Task Promtool_check_rules_accepts_the_rule_file()
    {
        var (exitCode, output) = await ExternalTool.RunAsync("promtool", ["check", "rules", RepositoryFiles.Rules], RepositoryFiles.Root, TimeSpan.FromMinutes(1));

        Assert.True(exitCode == 0, output);
        Assert.Contains($"SUCCESS: {RuleFile.Load().Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_check_config_accepts_the_demo_configuration_and_the_rules_it_loads()
    {
        var config = Path.Combine(RepositoryFiles.Root, "deploy", "prometheus", "prometheus-demo.yml");

        var (exitCode, output) = await ExternalTool.RunAsync("promtool", ["check", "config", config], RepositoryFiles.Root, TimeSpan.FromMinutes(1));

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS: 1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rule_file_ships_the_four_alerts()
        => Assert.Equal(ShippedAlerts.Order(), RuleFile.Load().Where(rule => rule.Alert is not null).Select(rule => rule.Alert!).Order());

    [Fact]
    public void Every_alert_has_a_severity_a_summary_and_a_description_of_what_to_do()
    {
        foreach (var alert in RuleFile.Load().Where(rule => rule.Alert is not null))
        {
            Assert.True(alert.Labels.GetValueOrDefault("severity") is "critical" or "warning", $"{alert.Alert}: severity critical or warning");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("summary")), $"{alert.Alert}: no summary");
            var description = alert.Annotations.GetValueOrDefault("description") ?? "";
            Assert.True(description.Length > 200, $"{alert.Alert}: the description should say what it means and what to do: '{description}'");
            Assert.Contains("check", description, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Every_breaker_alert_names_the_breaker_in_its_summary()
    {
        foreach (var alert in RuleFile.Load().Where(rule => rule.Alert is not null && rule.Alert != "CircuitBreakerFleetDisconnected"))
        {
            var summary = alert.Annotations["summary"];
            Assert.Contains("$labels.pipeline_name", summary, StringComparison.Ordinal);
            Assert.Contains("$labels.strategy_name", summary, StringComparison.Ordinal);
            Assert.Contains("$labels.instance", summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_recording_rule_follows_the_level_metric_operation_naming()
    {
        var records = RuleFile.Load().Where(rule => rule.Record is not null).Select(rule => rule.Record!).ToList();

        Assert.NotEmpty(records);
        Assert.All(records, record => Assert.Matches(@"^breaker:resilience_circuit_breaker_[a-z_]+:[a-z0-9_]+$", record));
    }

    [Fact]
    public void Every_alert_has_unit_tests_where_it_fires_and_where_it_stays_silent()
    {
        var cases = RuleFile.AlertTestCases();
        foreach (var alert in ShippedAlerts)
        {
            Assert.Contains(cases, check => check.Alert == alert && check.ExpectedFiring > 0);
            Assert.Contains(cases, check => check.Alert == alert && check.ExpectedFiring == 0);
        }

        Assert.All(cases, check => Assert.Contains(check.Alert, ShippedAlerts));
    }
}
