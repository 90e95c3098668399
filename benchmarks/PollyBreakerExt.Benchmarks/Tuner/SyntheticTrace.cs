using System.Globalization;

namespace PollyBreakerExt.Benchmarks.Tuner;

/// <summary>
/// A deterministic trace for measuring the tuner: about 1,000 calls per second for as long as it takes, healthy but for
/// an incident every 100 s (20 s of fast failures, then 10 s of 3 s calls). Overlapping: a healthy call takes 0-40 ms,
/// so about 20 run at once. Sequential: each call starts after the previous one ended (the fast path of the replay).
/// </summary>
internal static class SyntheticTrace
{
    public static void Write(string path, long calls, bool overlapping)
    {
        using var writer = new StreamWriter(path, append: false, System.Text.Encoding.ASCII, 1 << 20) { NewLine = "\n" };
        writer.WriteLine("start_ms,duration_ms,outcome");
        ulong state = 0x9E3779B97F4A7C15;
        long start = 0;
        for (long i = 0; i < calls; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var random = (int)(state % 1000);
            var phase = start % 100_000;
            var (duration, fails) = phase switch
            {
                >= 60_000 and < 80_000 => (random % 3, random < 900),
                >= 80_000 and < 90_000 => (3000 + random, random < 100),
                _ => (random % 41, random < 5),
            };
            if (!overlapping)
            {
                duration = Math.Min(duration, 1);
            }

            writer.Write(start.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(duration.ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(fails ? ",failure" : ",success");
            start += overlapping ? random % 2 : duration + (random % 2);
        }
    }
}
