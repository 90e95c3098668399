namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Issue 19: on the system clock (on Linux) the breaker measures with a coarse monotonic clock that costs a few ns a read;
/// a fake clock, and slow-call thresholds under 100 ms, keep the pipeline's own clock, exact.
/// </summary>
public class CoarseSystemTimeProviderTests
{
    [Fact]
    public void The_system_clock_is_measured_coarsely_on_linux_unless_the_slow_call_threshold_is_under_100_ms()
    {
        Assert.Equal(OperatingSystem.IsLinux(), CoarseSystemTimeProvider.For(TimeProvider.System, null) is CoarseSystemTimeProvider);
        Assert.Equal(OperatingSystem.IsLinux(), CoarseSystemTimeProvider.For(TimeProvider.System, TimeSpan.FromMilliseconds(100)) is CoarseSystemTimeProvider);
        Assert.Same(TimeProvider.System, CoarseSystemTimeProvider.For(TimeProvider.System, TimeSpan.FromMilliseconds(99)));
    }

    [Fact]
    public void A_fake_clock_is_always_the_pipelines_own()
    {
        var fake = new FakeTimeProvider();

        Assert.Same(fake, CoarseSystemTimeProvider.For(fake, null));
        Assert.Same(fake, CoarseSystemTimeProvider.For(fake, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_coarse_clock_keeps_the_systems_wall_clock_and_counts_milliseconds_of_the_same_monotonic_time()
    {
        var coarse = CoarseSystemTimeProvider.Instance;

        var before = TimeProvider.System.GetUtcNow();
        var start = coarse.GetTimestamp();
        var system = TimeProvider.System.GetTimestamp();
        var now = coarse.GetUtcNow();

        Assert.Equal(1000, coarse.TimestampFrequency);
        Assert.InRange(now, before, TimeProvider.System.GetUtcNow());
        Assert.InRange(coarse.GetElapsedTime(start), TimeSpan.Zero, TimeProvider.System.GetElapsedTime(system) + TimeSpan.FromMilliseconds(20));
        Assert.Equal(TimeProvider.System.LocalTimeZone, coarse.LocalTimeZone);
    }

    [Fact]
    public async Task The_coarse_clocks_timers_are_the_systems()
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var timer = CoarseSystemTimeProvider.Instance.CreateTimer(_ => fired.TrySetResult(), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
