using PollyBreakerExt.Ops.Tests.Infrastructure;

namespace PollyBreakerExt.Ops.Tests.Prometheus;

/// <summary><c>promtool test rules</c> on deploy/prometheus/tests: each alert on synthetic series, firing and silent.</summary>
public sealed class PromtoolUnitTests
{
    public static TheoryData<string> RuleTests()
    {
        var data = new TheoryData<string>();
        foreach (var file in RepositoryFiles.RuleTests)
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleTests))]
    public async Task Promtool_test_rules_passes(string file)
    {
        var (exitCode, output) = await ExternalTool.RunAsync("promtool", ["test", "rules", file], RepositoryFiles.RuleTestsDirectory, TimeSpan.FromMinutes(1));

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_test_rules_fails_an_expectation_the_rules_do_not_meet()
    {
        // The harness can fail: the open-breaker alert expected after 30 s of an open circuit, when it waits a minute.
        var directory = Directory.CreateTempSubdirectory("pollybreakerext-promtool-").FullName;
        try
        {
            var test = Path.Combine(directory, "wrong.test.yml");
            await File.WriteAllTextAsync(test, $$"""
                rule_files:
                  - {{RepositoryFiles.Rules}}
                evaluation_interval: 15s
                tests:
                  - interval: 15s
                    input_series:
                      - series: 'resilience_circuit_breaker_state{pipeline_name="payments", strategy_name="payments-breaker"}'
                        values: '1x10'
                    alert_rule_test:
                      - eval_time: 30s
                        alertname: CircuitBreakerOpen
                        exp_alerts:
                          - exp_labels:
                              severity: critical
                              pipeline_name: payments
                              strategy_name: payments-breaker
                """);

            var (exitCode, output) = await ExternalTool.RunAsync("promtool", ["test", "rules", test], directory, TimeSpan.FromMinutes(1));

            Assert.NotEqual(0, exitCode);
            Assert.Contains("FAILED", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
