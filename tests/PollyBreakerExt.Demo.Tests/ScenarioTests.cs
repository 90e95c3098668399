using PollyBreakerExt.Demo.Reporting;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Tests;

/// <summary>
/// The demo's whole story in real time, at double speed (about 15 s): the breaker opens while the upstream is slow or
/// failing, rejected calls are answered from the cache, it closes once the upstream recovers and ramps traffic back up
/// (RecoveryRampUp), and the chart is a PNG.
/// </summary>
/// <remarks>
/// The timings leave wide margins for a loaded machine: the slow phase's calls take 2.5 to 3.5 times the slow-call
/// threshold, healthy calls a tenth of it, and the recovered phase lasts three break durations.
/// </remarks>
public sealed class ScenarioTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly ITestOutputHelper _output;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pollybreakerext-demo-" + Guid.NewGuid().ToString("N"));

    public ScenarioTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_breaker_opens_when_the_upstream_degrades_answers_from_cache_and_closes_after_recovery_ramping_traffic_back_up()
    {
        var chart = Path.Combine(_folder, "timeline.png");
        var options = new DemoOptions { Duration = TimeSpan.FromSeconds(30), Speed = 2, OutPath = chart };
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        ScenarioResult result;
        try
        {
            result = await DemoProgram.RunScenarioAsync(options, new PlainReporter(log), timeout.Token);
        }
        finally
        {
            _output.WriteLine(log.ToString());
        }

        var recoveredAt = result.Phases.Single(phase => phase.Phase == UpstreamPhase.Recovered).Start;

        // It opened while the upstream was slow or failing.
        Assert.Contains(result.Transitions, transition =>
            transition.To == CircuitState.Open && result.PhaseAt(transition.At) is UpstreamPhase.Slow or UpstreamPhase.Failing);
        Assert.True(result.Trips >= 1);

        // Rejected calls were answered from the cache, in the degraded phases.
        Assert.Contains(result.Calls, call => call.Outcome == CallOutcome.FromCache && call.Phase is UpstreamPhase.Slow or UpstreamPhase.Failing);
        var degraded = result.PhaseSummaries.Where(row => row.Phase is UpstreamPhase.Slow or UpstreamPhase.Failing).ToList();
        Assert.True(degraded.Sum(row => row.FromCache) > degraded.Sum(row => row.Unavailable), "most rejections should be answered from the cache");

        // It closed after the upstream recovered, and stayed closed.
        Assert.Contains(result.Transitions, transition => transition.To == CircuitState.Closed && transition.At >= recoveredAt);
        Assert.Equal(CircuitState.Closed, result.Transitions[^1].To);
        Assert.Equal(CircuitState.Closed, result.Timeline[^1].State);
        Assert.True(result.PhaseSummaries.Single(row => row.Phase == UpstreamPhase.Recovered).Ok > 0);

        // After the close, the recovery ramp let traffic back in gradually: calls were turned away at once early in it, and
        // the admitted share rose (the cold upstream's slow probes make calls queue behind the half-open, so it has a share
        // to start from). Halves of the ramp hold dozens of calls each, so the comparison has a wide margin.
        var ramp = Assert.Single(result.RampSegments());
        Assert.True(ramp.Start >= recoveredAt, $"the ramp began at {ramp.Start}, before the upstream recovered at {recoveredAt}");
        Assert.InRange(ramp.StartShare, 0.01, 0.99);
        var middle = ramp.Start + ((ramp.End - ramp.Start) / 2);
        var (firstCalls, firstRejected) = result.CallsBetween(ramp.Start, middle);
        var (secondCalls, secondRejected) = result.CallsBetween(middle, ramp.End);
        Assert.True(firstRejected > 0, "no call was rejected in the first half of the ramp");
        Assert.True(
            (double)(firstCalls - firstRejected) / firstCalls < (double)(secondCalls - secondRejected) / secondCalls,
            $"the admitted share did not rise: {firstCalls - firstRejected} of {firstCalls}, then {secondCalls - secondRejected} of {secondCalls}");
        Assert.Equal(0, result.CallsBetween(ramp.Start + result.Timings.RecoveryRampUp, result.Elapsed).Rejected);

        // The summary and the transitions were printed; the chart is a PNG.
        var printed = log.ToString();
        Assert.Contains("closed -> open", printed, StringComparison.Ordinal);
        Assert.Contains("half-open -> closed", printed, StringComparison.Ordinal);
        Assert.Contains("Summary per phase", printed, StringComparison.Ordinal);
        Assert.Contains("Recovery ramp from", printed, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(chart), printed, StringComparison.Ordinal);

        var bytes = await File.ReadAllBytesAsync(chart);
        Assert.True(bytes.Length > 10_000, $"the chart has only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);
    }
}
