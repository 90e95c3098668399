namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// What code allocates on the calling thread, as the least of up to three runs: the runtime now and then allocates once
/// while a loop runs (tiered compilation starting its background worker, a coverage tool's hit tracking; seen as one run
/// of 7,424 bytes in a full suite under load). Code that allocates per call allocates in every run, so the least still
/// shows it.
/// </summary>
internal static class Allocations
{
    public static long LeastOf(Action run)
    {
        var least = long.MaxValue;
        for (var attempt = 0; attempt < 3 && least > 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            run();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
