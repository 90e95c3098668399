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

    /// <summary>
    /// Runs overlapping calls live: each admitted call awaits <c>Task.Delay</c> on a <see cref="FakeTimeProvider"/>, and
    /// the driver moves the clock to every end of a running call on the way to the next start (FakeTimeProvider fires an
    /// overdue timer at the new time, not at its own, so jumping straight to the next start would lengthen those calls),
    /// then starts the calls of that millisecond in row order. Returns each row's decision, in row order.
    /// </summary>
    public static bool[] RunConcurrent(string optionsJson, IReadOnlyList<(long Start, long Duration, bool Fails)> rows)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null); // continuations run inline, as in a plain service thread
        try
        {
            var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddSlowCallCircuitBreaker(Traces.Options(optionsJson).CreateOptions()).Build();
            var admitted = new bool[rows.Count];
            var running = new List<Task>();
            var ends = new SortedSet<long>();
            void MoveTo(long ms) => time.SetUtcNow(DateTimeOffset.UnixEpoch.AddMilliseconds(ms));
            foreach (var row in Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].Start).ThenBy(i => i))
            {
                while (ends.Count > 0 && ends.Min <= rows[row].Start)
                {
                    MoveTo(ends.Min);
                    ends.Remove(ends.Min);
                }

                MoveTo(rows[row].Start);
                var (_, duration, fails) = rows[row];
                var call = pipeline.ExecuteAsync(
                    async token =>
                    {
                        admitted[row] = true;
                        await Task.Delay(TimeSpan.FromMilliseconds(duration), time, token).ConfigureAwait(false);
                        if (fails)
                        {
                            throw new InvalidOperationException("down");
                        }
                    }).AsTask();
                running.Add(call.ContinueWith(_ => { }, TaskScheduler.Default));
                if (admitted[row] && duration > 0)
                {
                    ends.Add(rows[row].Start + duration);
                }
            }

            foreach (var end in ends)
            {
                MoveTo(end);
            }

            Task.WaitAll([.. running], TimeSpan.FromSeconds(30));
            return admitted;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
