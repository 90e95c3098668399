using PollyBreakerExt.Demo.Scenario;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>Shows the scenario: live widgets on a terminal, plain lines otherwise.</summary>
public interface IScenarioReporter
{
    void Starting(DemoOptions options, DemoTimings timings, Uri productApi, Uri upstream);

    /// <summary>Shows progress, phases and transitions until <paramref name="scenario"/> completes.</summary>
    /// <remarks>It subscribes to <paramref name="progress"/>'s events before it first awaits, so nothing is missed.</remarks>
    Task FollowAsync(ScenarioProgress progress, Task scenario);

    void Finished(ScenarioResult result);

    void ChartWritten(string path);
}
