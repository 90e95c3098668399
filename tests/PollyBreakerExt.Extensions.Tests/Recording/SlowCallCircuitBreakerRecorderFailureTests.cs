namespace PollyBreakerExt.Extensions.Tests.Recording;

/// <summary>A recorder whose file cannot be written never fails the calls it records.</summary>
public sealed class SlowCallCircuitBreakerRecorderFailureTests
{
    [Fact]
    public async Task A_full_disk_stops_the_recorder_and_every_call_keeps_its_own_outcome()
    {
        Assert.True(File.Exists("/dev/full"), "this test writes to Linux's /dev/full, which fails every write with ENOSPC");
        var recorder = new SlowCallCircuitBreakerRecorder("/dev/full");
        await using (recorder)
        {
            var pipeline = new ResiliencePipelineBuilder()
                .AddSlowCallCircuitBreaker(new() { FailureThreshold = 1_000 })
                .AddSlowCallCircuitBreakerRecorder(recorder)
                .Build();

            // Enough rows to overflow the writer's 64 KiB buffer several times, so the failing flush happens during a call.
            for (var i = 0; i < 20_000; i++)
            {
                Assert.Equal(i, pipeline.Execute(static state => state, i));
            }

            Assert.IsAssignableFrom<IOException>(recorder.Failure);
            Assert.True(recorder.RecordedCalls < 20_000);
        }
    }
}
