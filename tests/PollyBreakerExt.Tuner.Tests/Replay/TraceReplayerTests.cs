using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Tests.Utils;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Tests.Replay;

public class TraceReplayerTests
{
    private const string TwoFailuresOpen = """{ "FailureThreshold": 2, "SlowCallDurationThreshold": null, "BreakDuration": "00:00:01", "SuccessThreshold": 1 }""";

    [Fact]
    public void Overlapping_calls_are_recorded_when_they_complete_not_when_they_start()
    {
        var (_, admitted) = Traces.Replay(
            Traces.Csv("0,100,failure", "10,20,failure", "40,0,success", "99,0,success", "100,0,success"),
            TwoFailuresOpen);

        // The second failure completes at 100 (the first started at 0 but runs until then): the call at 99 still runs,
        // the one at 100 comes after that completion and is refused.
        Assert.Equal([true, true, true, true, false], admitted);
    }

    [Fact]
    public void A_zero_length_call_completes_before_the_next_row_at_the_same_millisecond_is_admitted()
    {
        var (_, admitted) = Traces.Replay(
            Traces.Csv("50,0,failure", "50,0,failure", "50,0,success"),
            TwoFailuresOpen);

        Assert.Equal([true, true, false], admitted);
    }

    [Theory]
    [InlineData("1000,500,success", "1000,500,failure", new[] { true, false })]
    [InlineData("1000,500,failure", "1000,500,success", new[] { true, false })]
    public void Admissions_at_one_millisecond_keep_the_rows_order(string first, string second, bool[] expected)
    {
        // Open at 0; at 1000 the break is over and one probe may run (SuccessThreshold 1): the first row gets it.
        var (_, admitted) = Traces.Replay(Traces.Csv("0,0,failure", "0,0,failure", first, second), TwoFailuresOpen);

        Assert.Equal([true, true, .. expected], admitted);
    }

    [Fact]
    public void Rows_in_any_order_get_the_decisions_they_get_in_time_order()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Reference", "seed-03.trace.csv")).Skip(1).ToList();
        var options = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "seed-03.options.json"));
        var (inOrder, inOrderAdmitted) = Traces.Replay(Traces.Csv([.. rows]), options);

        // Shuffle whole milliseconds, keeping the rows of one millisecond in their order (that order is part of the trace).
        var random = new Random(7);
        var keys = rows.Select(row => row.Split(',')[0]).Distinct().ToDictionary(start => start, _ => random.Next());
        var shuffled = rows.Select((row, index) => (row, index)).OrderBy(r => keys[r.row.Split(',')[0]]).ToList();
        Assert.NotEqual(Enumerable.Range(0, rows.Count), shuffled.Select(r => r.index));
        var (result, admitted) = Traces.Replay(Traces.Csv([.. shuffled.Select(r => r.row)]), options);

        Assert.Equal(inOrder, result);
        for (var i = 0; i < shuffled.Count; i++)
        {
            Assert.Equal(inOrderAdmitted[shuffled[i].index], admitted[i]);
        }
    }

    [Fact]
    public void A_trace_longer_than_one_sort_run_is_merged_on_disk_and_replays_the_same()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Reference", "seed-05.trace.csv")).Skip(1).Reverse().ToArray();
        var options = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "seed-05.options.json"));
        using (var trace = Traces.Load(Traces.Csv(rows), runLength: 7))
        {
            Assert.True(trace.IsOnDisk);
            Assert.Equal(rows.Length, trace.Count);
        }

        var inMemory = Traces.Replay(Traces.Csv(rows), options);
        var onDisk = Traces.Replay(Traces.Csv(rows), options, runLength: 7);

        Assert.Equal(inMemory.Result, onDisk.Result);
        Assert.Equal(inMemory.Admitted, onDisk.Admitted);
    }

    [Fact]
    public void The_result_counts_what_the_breaker_did()
    {
        var (result, _) = Traces.Replay(
            Traces.Csv(
                "0,0,failure", "0,0,failure",   // opens at 0 for 1 s
                "500,0,success",                // refused: a success lost
                "600,0,failure",                // refused: a failure prevented
                "1000,0,success",               // the probe: closes
                "2000,0,failure", "2000,0,failure", // opens again at 2000
                "2400,0,failure"),              // refused; the trace ends at 2400, so the break counts 400 ms
            TwoFailuresOpen);

        Assert.Equal(new(Calls: 8, Admitted: 5, Rejected: 3, RejectedSuccesses: 1, AdmittedFailures: 4, Opens: 2, TimeOpenMs: 1400, FirstOpenMs: 0), result);
    }

    [Fact]
    public void Time_open_lasts_until_the_first_call_after_the_break()
    {
        var (result, admitted) = Traces.Replay(
            Traces.Csv(
                "0,0,failure", "0,0,failure",   // opens at 0; the break ends at 1000, but no call comes until 1500
                "1500,0,success"),              // half-open at 1500, the probe closes it
            TwoFailuresOpen);

        Assert.Equal([true, true, true], admitted);
        Assert.Equal(1500, result.TimeOpenMs);
    }

    [Fact]
    public void Time_open_runs_to_the_trace_end_when_no_call_follows_the_break()
    {
        var (result, _) = Traces.Replay(
            Traces.Csv(
                "0,5000,success",               // still running when it opens; the trace ends when it completes
                "10,0,failure", "10,0,failure"),// opens at 10 and stays open: nothing comes to probe it
            TwoFailuresOpen);

        Assert.Equal(1, result.Opens);
        Assert.Equal(4990, result.TimeOpenMs);
    }

    [Fact]
    public void Time_open_matches_the_open_segments_of_the_timeline()
    {
        var csv = Traces.Csv("0,0,failure", "0,0,failure", "1700,0,failure", "3100,0,success", "3200,0,failure", "3200,0,failure", "3300,0,success");
        using var trace = Traces.Load(csv);
        var timeline = new ReplayTimeline(trace.StartMs, trace.EndMs);

        var result = TraceReplayer.Run(trace, Traces.Options(TwoFailuresOpen), timeline: timeline);

        Assert.Equal(3, result.Opens);
        Assert.Equal(timeline.Segments().Where(s => s.State == CircuitState.Open).Sum(s => s.ToMs - s.FromMs), result.TimeOpenMs);
    }

    [Fact]
    public void Slow_calls_trip_the_slow_call_ratio()
    {
        var options = """{ "FailureThreshold": null, "SlowCallDurationThreshold": "00:00:01", "SlowCallRatio": 0.6, "MinimumThroughput": 2 }""";

        var (result, admitted) = Traces.Replay(Traces.Csv("0,1000,success", "10,20,success", "500,1500,success", "2001,0,success"), options);

        // 1000 ms is slow (>= threshold): at 1000 one of two calls is slow (50%), at 2000 two of three (67%): it opens.
        Assert.Equal([true, true, true, false], admitted);
        Assert.Equal(2000, result.FirstOpenMs);
    }

    [Fact]
    public void An_empty_trace_replays_to_zeros()
    {
        var (result, admitted) = Traces.Replay(Traces.Csv(), TwoFailuresOpen);

        Assert.Empty(admitted);
        Assert.Equal(new(0, 0, 0, 0, 0, 0, 0, null), result);
    }

    [Fact]
    public void A_trace_streams_from_disk_in_blocks_across_block_boundaries()
    {
        var rows = Enumerable.Range(0, (TraceRunFile.BlockLength * 2) + 3).Select(i => $"{i},0,{(i % 1000 < 3 ? "failure" : "success")}").ToArray();

        var inMemory = Traces.Replay(Traces.Csv(rows), TwoFailuresOpen);
        var onDisk = Traces.Replay(Traces.Csv(rows), TwoFailuresOpen, runLength: 5000);

        Assert.Equal(inMemory.Result, onDisk.Result);
        Assert.Equal(inMemory.Admitted, onDisk.Admitted);
        Assert.True(inMemory.Result.Rejected > 0);
    }
}
