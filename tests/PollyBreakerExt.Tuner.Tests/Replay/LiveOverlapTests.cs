using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Replay;

/// <summary>
/// Beyond W5's sequential proof: on overlapping traces too, the replay decides every call as the live breaker does when
/// the same calls really overlap (each awaiting a delay on a fake clock).
/// </summary>
public class LiveOverlapTests
{
    public static TheoryData<int, string> Cases()
    {
        var cases = new TheoryData<int, string>();
        string[] options =
        [
            """{ "FailureThreshold": 4, "SlowCallDurationThreshold": null, "SamplingDuration": "00:00:02", "BreakDuration": "00:00:01", "SuccessThreshold": 2 }""",
            """{ "FailureThreshold": null, "FailureRatio": 0.4, "MinimumThroughput": 8, "SlowCallDurationThreshold": "00:00:00.300", "SlowCallRatio": 0.3, "SamplingDuration": "00:00:01", "BreakDuration": "00:00:00.700", "SuccessThreshold": 3 }""",
            """{ "SlidingWindowType": "CountBased", "SlidingWindowSize": 20, "MinimumThroughput": 10, "FailureThreshold": null, "FailureRatio": 0.3, "SlowCallDurationThreshold": "00:00:00.250", "BreakDuration": "00:00:00.500", "SuccessThreshold": 1 }""",
        ];
        for (var seed = 0; seed < 12; seed++)
        {
            cases.Add(seed, options[seed % options.Length]);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replay_decides_overlapping_calls_as_the_live_breaker_does(int seed, string options)
    {
        var random = new Random(seed);
        var rows = new List<(long Start, long Duration, bool Fails)>();
        long start = 0;
        for (var i = 0; i < 400; i++)
        {
            start += random.Next(4) == 0 ? 0 : random.Next(0, 60);
            var bad = i / 80 % 2 == 1;
            var duration = random.Next(5) == 0 ? 0 : bad ? random.Next(100, 900) : random.Next(0, 120);
            rows.Add((start, duration, random.NextDouble() < (bad ? 0.6 : 0.05)));
        }

        var live = LiveBreaker.RunConcurrent(options, rows);
        var (_, replayed) = Traces.Replay(Traces.Csv([.. rows.Select(r => $"{r.Start},{r.Duration},{(r.Fails ? "failure" : "success")}")]), options);

        Assert.Contains(false, live);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.True(live[i] == replayed[i], $"seed {seed}, row {i} {rows[i]}: live admitted={live[i]}, replay admitted={replayed[i]}");
        }
    }
}
