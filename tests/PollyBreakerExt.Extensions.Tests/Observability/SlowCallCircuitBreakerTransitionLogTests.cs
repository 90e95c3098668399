using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Polly.Registry;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// The structured log of every transition, read with <see cref="FakeLogger"/>.
/// </summary>
public sealed class SlowCallCircuitBreakerTransitionLogTests
{
    private const string Category = "PollyBreakerExt.SlowCallCircuitBreaker";

    private static readonly ResiliencePropertyKey<string> Authority = new("authority");

    [Fact]
    public async Task Every_transition_is_logged_once_with_its_event_id_level_names_states_reason_ratios_and_break_duration()
    {
        await using var script = new BreakerScript("logged-orders", services => services.AddFakeLogging());
        script.Trip();
        script.Recover(TimeSpan.Zero);
        await script.Registry.IsolateAsync(script.PipelineName);
        await script.Registry.CloseAsync(script.PipelineName);

        var logs = script.Services.GetFakeLogCollector().GetSnapshot().Where(log => log.Category == Category).ToList();
        Assert.Equal(
            [
                (LogLevel.Warning, 1, "CircuitOpened", "Closed", "Open", "FailureThreshold", "0.5", "0.25", "00:00:30"),
                (LogLevel.Information, 2, "CircuitHalfOpened", "Open", "HalfOpen", "BreakDurationElapsed", "0.5", "0.25", null),
                (LogLevel.Information, 3, "CircuitClosed", "HalfOpen", "Closed", "HalfOpenSucceeded", "0", "0", null),
                (LogLevel.Warning, 4, "CircuitIsolated", "Closed", "Isolated", "Manual", "0", "0", null),
                (LogLevel.Information, 3, "CircuitClosed", "Isolated", "Closed", "Manual", "0", "0", null),
            ],
            logs.Select(log => (
                log.Level,
                log.Id.Id,
                log.Id.Name,
                log.GetStructuredStateValue("PreviousState"),
                log.GetStructuredStateValue("NewState"),
                log.GetStructuredStateValue("Reason"),
                log.GetStructuredStateValue("FailureRatio"),
                log.GetStructuredStateValue("SlowCallRatio"),
                log.GetStructuredStateValue("BreakDuration"))));
        Assert.All(logs, log =>
        {
            Assert.Equal("logged-orders", log.GetStructuredStateValue("PipelineName"));
            Assert.Equal(BreakerScript.InstanceName, log.GetStructuredStateValue("PipelineInstance"));
            Assert.Equal(BreakerScript.StrategyName, log.GetStructuredStateValue("StrategyName"));
        });
        Assert.Equal(
            "Circuit breaker 'logged-orders/eu-west/orders-breaker' moved from Closed to Open because of FailureThreshold; " +
            "failure ratio 0.5, slow-call ratio 0.25, break duration 00:00:30",
            logs[0].Message);
    }

    [Fact]
    public async Task The_reason_names_what_tripped_the_circuit_and_what_reopened_it()
    {
        await using var script = new BreakerScript("logged-reasons", services => services.AddFakeLogging());
        script.Trip();
        script.Time.Advance(BreakerScript.BreakDuration);
        script.Succeed(TimeSpan.FromSeconds(3)); // a slow probe

        var opened = script.Services.GetFakeLogCollector().GetSnapshot()
            .Where(log => log.Category == Category && log.GetStructuredStateValue("NewState") == "Open")
            .Select(log => log.GetStructuredStateValue("Reason"));
        Assert.Equal(["FailureThreshold", "HalfOpenProbeSlow"], opened);
    }

    [Fact]
    public async Task Nothing_is_logged_below_the_configured_level()
    {
        await using var script = new BreakerScript("logged-quiet", services => services
            .AddFakeLogging()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
        script.Trip();
        script.Recover(TimeSpan.Zero);

        var logs = script.Services.GetFakeLogCollector().GetSnapshot().Where(log => log.Category == Category).ToList();
        Assert.Equal([(LogLevel.Warning, "Open")], logs.Select(log => (log.Level, log.GetStructuredStateValue("NewState"))));
    }

    [Fact]
    public async Task A_keys_breaker_is_named_with_its_key_under_the_same_event_ids()
    {
        var time = new FakeTimeProvider();
        await using var services = TestServices.Build(time, services => services
            .AddFakeLogging()
            .AddResiliencePipeline("logged-keys", builder =>
            {
                builder.InstanceName = BreakerScript.InstanceName;
                builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
                {
                    Name = BreakerScript.StrategyName,
                    FailureThreshold = 1,
                    BreakDuration = BreakerScript.BreakDuration,
                    KeySelector = context => context.Properties.GetValue(Authority, null!),
                });
            }));
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("logged-keys");
        Fail(pipeline, "https://a.example:443");
        Fail(pipeline, null); // the shared default breaker, which has no key
        await services.GetRequiredService<SlowCallCircuitBreakerRegistry>().IsolateByKeyAsync("logged-keys/eu-west/orders-breaker/https://a.example:443");

        var logs = services.GetFakeLogCollector().GetSnapshot().Where(log => log.Category == Category).ToList();
        Assert.Equal(
            [
                (1, "CircuitOpened", "https://a.example:443"),
                (1, "CircuitOpened", null),
                (4, "CircuitIsolated", "https://a.example:443"),
            ],
            logs.Select(log => (log.Id.Id, log.Id.Name, log.GetStructuredStateValue("BreakerKey"))));
        Assert.Equal(
            [
                "Circuit breaker 'logged-keys/eu-west/orders-breaker' key 'https://a.example:443' moved from Closed to Open because of " +
                "FailureThreshold; failure ratio 1, slow-call ratio 0, break duration 00:00:30",
                "Circuit breaker 'logged-keys/eu-west/orders-breaker' moved from Closed to Open because of FailureThreshold; " +
                "failure ratio 1, slow-call ratio 0, break duration 00:00:30",
                "Circuit breaker 'logged-keys/eu-west/orders-breaker' key 'https://a.example:443' moved from Open to Isolated because of " +
                "Manual; failure ratio 1, slow-call ratio 0, break duration (null)",
            ],
            logs.Select(log => log.Message));
        Assert.All(logs, log => Assert.Equal(BreakerScript.StrategyName, log.GetStructuredStateValue("StrategyName")));
    }

    private static void Fail(ResiliencePipeline pipeline, string? authority)
    {
        var context = ResilienceContextPool.Shared.Get();
        if (authority is not null)
        {
            context.Properties.Set(Authority, authority);
        }

        try
        {
            Assert.Throws<InvalidOperationException>(() => pipeline.Execute(static _ => throw new InvalidOperationException("down"), context));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
