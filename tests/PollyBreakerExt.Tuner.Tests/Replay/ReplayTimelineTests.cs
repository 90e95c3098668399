using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Tests.Utils;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Tests.Replay;

public class ReplayTimelineTests
{
    [Fact]
    public void The_timeline_holds_every_transition_and_every_call_in_its_bin()
    {
        using var trace = Traces.Load(Traces.Csv("0,0,failure", "0,0,failure", "500,0,success", "1000,0,success", "3000,0,failure", "3000,0,failure", "9999,1,success"));
        var timeline = new ReplayTimeline(trace.StartMs, trace.EndMs, bins: 10);

        var result = TraceReplayer.Run(trace, Traces.Options("""{ "FailureThreshold": 2, "BreakDuration": "00:00:01", "SuccessThreshold": 1 }"""), timeline: timeline);

        Assert.Equal(
            [(0L, CircuitState.Open), (1000L, CircuitState.HalfOpen), (1000L, CircuitState.Closed), (3000L, CircuitState.Open), (9999L, CircuitState.HalfOpen), (10000L, CircuitState.Closed)],
            timeline.Transitions);
        Assert.Equal(result.Calls, timeline.AdmittedSuccesses.Sum() + timeline.AdmittedFailures.Sum() + timeline.Rejected.Sum());
        Assert.Equal(1, timeline.Rejected[0]);       // 500 ms: refused
        Assert.Equal(2, timeline.AdmittedFailures[3]); // 3000 ms, with 1,000 ms bins
        Assert.Equal(
            [(CircuitState.Open, 0L, 1000L), (CircuitState.Closed, 1000L, 3000L), (CircuitState.Open, 3000L, 9999L), (CircuitState.HalfOpen, 9999L, 10000L)],
            timeline.Segments());
    }
}
