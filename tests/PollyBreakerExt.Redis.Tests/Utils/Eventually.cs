namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>Waits (real time, generous margins) until a condition holds; these are integration tests against a real Redis.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > (timeout ?? DefaultTimeout))
            {
                Assert.Fail($"Timed out waiting until {what}.{Environment.NewLine}Recent fleet log:{Environment.NewLine}{FleetLogs.Recent()}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The same, for a condition that asks Redis.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > (timeout ?? DefaultTimeout))
            {
                Assert.Fail($"Timed out waiting until {what}.{Environment.NewLine}Recent fleet log:{Environment.NewLine}{FleetLogs.Recent()}");
            }

            await Task.Delay(10);
        }
    }
}
