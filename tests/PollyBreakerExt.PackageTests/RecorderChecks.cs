using Polly;

namespace PollyBreakerExt.PackageTests;

/// <summary>The Extensions package's recorder writes the trace the tuner tool reads (.ci/packages replays it with the tool).</summary>
internal static class RecorderChecks
{
    /// <summary>Where the trace goes: POLLYBREAKEREXT_TRACE when .ci/packages sets it, else a temporary file.</summary>
    public static string TracePath { get; } =
        Environment.GetEnvironmentVariable("POLLYBREAKEREXT_TRACE") is { Length: > 0 } path
            ? path
            : Path.Combine(Path.GetTempPath(), $"pollybreakerext-consumer-{Environment.ProcessId}.csv");

    public static async Task RecorderWritesEveryCallTheBreakerLetsRun()
    {
        File.Delete(TracePath);
        await using (var recorder = new SlowCallCircuitBreakerRecorder(TracePath))
        {
            var pipeline = new ResiliencePipelineBuilder()
                .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { Name = "recorded", FailureThreshold = 5 })
                .AddSlowCallCircuitBreakerRecorder(recorder)
                .Build();
            foreach (var fails in new[] { true, false, true, false, false, false })
            {
                try
                {
                    pipeline.Execute(() =>
                    {
                        if (fails)
                        {
                            throw new InvalidOperationException("the dependency failed");
                        }
                    });
                }
                catch (InvalidOperationException)
                {
                    // the call's own failure, recorded
                }
            }

            Checks.Expect(6L, recorder.RecordedCalls, "RecordedCalls");
        }

        var lines = await File.ReadAllLinesAsync(TracePath);
        Checks.Expect(SlowCallCircuitBreakerRecorder.Header, lines[0], "the trace's header");
        Checks.Expect("failure,success,failure,success,success,success", string.Join(',', lines.Skip(1).Select(line => line.Split(',')[2])), "outcomes in the trace");
    }
}
