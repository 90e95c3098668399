using System.Net;
using Microsoft.Extensions.Time.Testing;
using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Recording;

public sealed class SlowCallCircuitBreakerRecorderTests : IDisposable
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private readonly TempFiles _files = new();
    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Each_call_is_appended_with_its_start_duration_and_outcome()
    {
        var path = _files.Path("calls.csv");
        using (var recorder = new SlowCallCircuitBreakerRecorder(path))
        {
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
                .AddSlowCallCircuitBreaker(new() { FailureThreshold = 10 })
                .AddSlowCallCircuitBreakerRecorder(recorder)
                .Build();

            Run(pipeline, TimeSpan.FromMilliseconds(20), fails: false);
            _time.Advance(TimeSpan.FromMilliseconds(5));
            Run(pipeline, TimeSpan.FromMilliseconds(1500.7), fails: true);
            Run(pipeline, TimeSpan.Zero, fails: false);
            Assert.Equal(3, recorder.RecordedCalls);
        }

        var t = Start.ToUnixTimeMilliseconds();
        Assert.Equal(["start_ms,duration_ms,outcome", $"{t},20,success", $"{t + 25},1500,failure", $"{t + 1525},0,success"], File.ReadAllLines(path));
    }

    [Fact]
    public void A_recorded_workload_replays_to_the_decisions_the_live_breaker_makes()
    {
        var path = _files.Path("day.csv");
        var random = new Random(3);
        var workload = Enumerable.Range(0, 2000)
            .Select(i => (Gap: TimeSpan.FromMilliseconds(random.Next(0, 400)), Duration: TimeSpan.FromMilliseconds(random.Next(0, 3000)), Fails: random.NextDouble() < (i / 250 % 2 == 0 ? 0.05 : 0.7)))
            .ToList();

        // Recorded with a breaker that never opens (as in shadow mode: every call runs).
        using (var recorder = new SlowCallCircuitBreakerRecorder(path))
        {
            var recording = new ResiliencePipelineBuilder { TimeProvider = _time }
                .AddSlowCallCircuitBreaker(new() { FailureThreshold = null, FailureRatio = 1, MinimumThroughput = 1_000_000, SlowCallDurationThreshold = null })
                .AddSlowCallCircuitBreakerRecorder(recorder)
                .Build();
            foreach (var (gap, duration, fails) in workload)
            {
                _time.Advance(gap);
                Run(recording, duration, fails);
            }
        }

        var options = """{ "FailureThreshold": null, "FailureRatio": 0.5, "MinimumThroughput": 10, "SlowCallDurationThreshold": "00:00:02.500", "SamplingDuration": "00:00:30", "BreakDuration": "00:00:10" }""";
        // The same calls against the breaker to tune, each arriving when it arrived while recording; refused ones do not run.
        var live = new List<bool>();
        var time = new FakeTimeProvider(Start);
        var enforcing = new ResiliencePipelineBuilder { TimeProvider = time }.AddSlowCallCircuitBreaker(Traces.Options(options).CreateOptions()).Build();
        var arrival = Start;
        foreach (var (gap, duration, fails) in workload)
        {
            arrival += gap;
            time.SetUtcNow(arrival);
            live.Add(Run(enforcing, duration, fails, time));
            arrival += duration;
        }

        var decisions = _files.Path("decisions.csv");
        var (exitCode, _, error) = Tune.Run("replay", "--trace", path, "--options", _files.Write("breaker.json", options), "--calls", decisions);

        Assert.True(exitCode == 0, error);
        Assert.Contains(false, live);
        Assert.Equal(live, Tune.ReadDecisions(decisions));
    }

    [Fact]
    public async Task Overlapping_calls_are_written_as_they_complete_and_replay_in_start_order()
    {
        var path = _files.Path("overlap.csv");
        await using (var recorder = new SlowCallCircuitBreakerRecorder(path))
        {
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }.AddSlowCallCircuitBreakerRecorder(recorder).Build();
            var slow = pipeline.ExecuteAsync(async token => await Task.Delay(TimeSpan.FromSeconds(3), _time, token)).AsTask();
            _time.Advance(TimeSpan.FromSeconds(1));
            var fast = pipeline.ExecuteAsync(async token => await Task.Delay(TimeSpan.FromSeconds(1), _time, token)).AsTask();
            _time.Advance(TimeSpan.FromSeconds(1));
            await fast;
            _time.Advance(TimeSpan.FromSeconds(1));
            await slow;
        }

        var t = Start.ToUnixTimeMilliseconds();
        Assert.Equal(["start_ms,duration_ms,outcome", $"{t + 1000},1000,success", $"{t},3000,success"], File.ReadAllLines(path));
        var (exitCode, output, error) = Tune.Run("replay", "--trace", path, "--options", _files.Write("b.json", "{}"), "--format", "json");
        Assert.True(exitCode == 0, error);
        Assert.Contains("\"admitted\": 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_generic_pipeline_failures_are_what_the_breakers_predicate_says()
    {
        var path = _files.Path("http.csv");
        await using (var recorder = new SlowCallCircuitBreakerRecorder(path))
        {
            var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }
                .AddSlowCallCircuitBreakerRecorder(recorder, new HttpSlowCallCircuitBreakerStrategyOptions().ShouldHandle)
                .Build();
            foreach (var status in new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable, HttpStatusCode.NotFound })
            {
                using var response = pipeline.Execute(() => new HttpResponseMessage(status));
            }
        }

        Assert.Equal(["success", "failure", "success"], File.ReadAllLines(path).Skip(1).Select(line => line.Split(',')[2]));
    }

    [Fact]
    public async Task Calls_a_breaker_refused_or_the_caller_cancelled_are_not_recorded_and_a_second_recorder_appends()
    {
        var path = _files.Path("calls.csv");
        for (var round = 0; round < 2; round++)
        {
            await using var recorder = new SlowCallCircuitBreakerRecorder(path);
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
                .AddSlowCallCircuitBreakerRecorder(recorder)   // outside the breaker: it sees the refusal
                .AddSlowCallCircuitBreaker(new() { Name = "b", FailureThreshold = 1 })
                .Build();
            Run(pipeline, TimeSpan.Zero, fails: true);
            Run(pipeline, TimeSpan.Zero, fails: false);   // refused
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.ExecuteAsync(_ => throw new OperationCanceledException(cancelled.Token), cancelled.Token).AsTask());
            Assert.Equal(1, recorder.RecordedCalls);
        }

        Assert.Equal(["start_ms,duration_ms,outcome", "failure", "failure"], File.ReadAllLines(path).Select(line => line.Split(',').Last()).Select((s, i) => i == 0 ? "start_ms,duration_ms,outcome" : s));
    }

    public void Dispose() => _files.Dispose();

    private bool Run(ResiliencePipeline pipeline, TimeSpan duration, bool fails, FakeTimeProvider? time = null)
    {
        var ran = false;
        try
        {
            pipeline.Execute(() =>
            {
                ran = true;
                (time ?? _time).Advance(duration);
                if (fails)
                {
                    throw new InvalidOperationException("down");
                }
            });
        }
        catch (InvalidOperationException) when (ran)
        {
        }
        catch (BrokenCircuitException) when (!ran)
        {
        }

        return ran;
    }
}
