using Microsoft.Extensions.Time.Testing;
using PollyBreakerExt.Tuner.Options;

namespace PollyBreakerExt.Tuner.Tests.Utils;

/// <summary>
/// The live breaker, as an application runs it: one pipeline with the options bound from the same JSON, calls executed
/// one after another, each taking its time on a <see cref="FakeTimeProvider"/> inside its callback.
/// </summary>
public static class LiveBreaker
{
    public static IReadOnlyList<bool> RunSequential(string optionsPath, string tracePath)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = OptionsFiles.ReadOptions(optionsPath).CreateOptions();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddSlowCallCircuitBreaker(options).Build();
        var decisions = new List<bool>();
        foreach (var line in File.ReadLines(tracePath).Skip(1))
        {
            var fields = line.Split(',');
            var start = long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
            var duration = long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            var fails = fields[2] == "failure";
            time.SetUtcNow(DateTimeOffset.UnixEpoch.AddMilliseconds(start));
            var ran = false;
            try
            {
                pipeline.Execute(() =>
                {
                    ran = true;
                    time.Advance(TimeSpan.FromMilliseconds(duration));
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

            decisions.Add(ran);
        }

        return decisions;
    }
}
