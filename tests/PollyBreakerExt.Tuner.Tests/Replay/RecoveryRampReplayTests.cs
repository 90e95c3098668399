using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Replay;

/// <summary>A candidate with <c>RecoveryRampUp</c> is replayed with its ramp: after the close, a rising share of calls is admitted.</summary>
public class RecoveryRampReplayTests
{
    private const string Ramped = """{ "FailureThreshold": 2, "SlowCallDurationThreshold": null, "BreakDuration": "00:00:01", "SuccessThreshold": 1, "RecoveryRampUp": "00:00:10" }""";

    // Open at 0 for 1 s; the probe at 1000 takes 500 ms, so 4 of the 5 calls of the half-open state are refused (a 20 %
    // share), and the probe's success closes at 1500: the ramp runs from 1500 to 11500.
    private static (long Start, long Duration, bool Fails)[] OutageThenRecovery()
        => [(0, 0, true), (0, 0, true), (1000, 500, false), .. Enumerable.Range(1, 160).Select(i => (1000L + (i * 100), 0L, false))];

    [Fact]
    public void After_the_close_a_rising_share_is_admitted_until_the_ramp_ends()
    {
        var rows = OutageThenRecovery();
        var (result, admitted) = Traces.Replay(Traces.Csv([.. rows.Select(r => $"{r.Start},{r.Duration},{(r.Fails ? "failure" : "success")}")]), Ramped);

        int AdmittedBetween(long from, long to) => rows.Select((row, i) => (row, i)).Count(x => x.row.Start > from && x.row.Start <= to && admitted[x.i]);
        Assert.Equal(0, AdmittedBetween(1000, 1400)); // half-open: the probe runs alone
        var early = AdmittedBetween(1500, 3500);   // 20 calls in the ramp's first fifth
        var late = AdmittedBetween(9500, 11500);   // 20 calls in its last fifth
        Assert.InRange(early, 1, 12);
        Assert.True(late > early + 5, $"the admitted share must rise: {early} of 20 early, {late} of 20 late");
        Assert.Equal(50, AdmittedBetween(12000, 17000)); // every call once the ramp is over
        Assert.Equal(1, result.Opens);
        Assert.True(result.RejectedSuccesses > 0);
    }

    [Fact]
    public void The_replay_decides_the_ramp_as_the_live_breaker_does()
    {
        var rows = OutageThenRecovery();
        var live = LiveBreaker.RunConcurrent(Ramped, rows);
        var (_, replayed) = Traces.Replay(Traces.Csv([.. rows.Select(r => $"{r.Start},{r.Duration},{(r.Fails ? "failure" : "success")}")]), Ramped);

        Assert.Contains(false, live.Skip(3));
        Assert.Equal(live, replayed);
    }
}
