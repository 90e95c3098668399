using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;
using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Sweep;

public class SweepRunnerTests
{
    private static ReplayResult Result(long admittedFailures, long rejectedSuccesses, long opens = 1) => new(100, 0, 0, rejectedSuccesses, admittedFailures, opens, 0, null);

    [Fact]
    public void The_pareto_front_holds_the_candidates_nothing_beats_on_both_axes()
    {
        var results = new[] { Result(10, 0), Result(5, 5), Result(6, 6), Result(0, 20), Result(5, 5), Result(3, 9), Result(4, 9) };

        Assert.Equal([3, 5, 1, 0], SweepRunner.ParetoFront(results));
    }

    [Fact]
    public void Ranking_is_by_cost_then_opens_then_grid_order()
    {
        var results = new ReplayResult[]
        {
            new(10, 0, 0, 3, 3, Opens: 2, 0, null),
            new(10, 0, 0, 1, 1, Opens: 5, 0, null),
            new(10, 0, 0, 2, 4, Opens: 1, 0, null),
            new(10, 0, 0, 0, 2, Opens: 1, 0, null),
        };

        Assert.Equal([3, 1, 2, 0], SweepRunner.Rank(results));
    }

    [Fact]
    public void No_breaker_lets_every_failure_of_the_trace_through_and_refuses_nothing()
    {
        using var trace = Traces.Load(Traces.Csv("5,1,failure", "0,1,success", "9,0,FAILURE", "3,2,success", "4,0,failure"));

        Assert.Equal(new ReplayResult(5, 5, 0, 0, 3, 0, 0, null), SweepRunner.NoBreaker(trace));
    }

    [Fact]
    public void No_breaker_over_a_trace_longer_than_one_sorted_run_counts_every_failure()
    {
        using var trace = Traces.Load(Traces.Csv([.. Enumerable.Range(0, 10).Select(i => $"{10 - i},0,{(i % 3 == 0 ? "failure" : "success")}")]), runLength: 4);

        Assert.True(trace.IsOnDisk);
        Assert.Equal(4, SweepRunner.NoBreaker(trace).AdmittedFailures);
    }

    [Theory]
    [InlineData(9, 0, true)]  // fewer failures through, nothing refused
    [InlineData(2, 7, true)]  // 9 wrong calls against 10
    [InlineData(10, 0, false)] // never opened: exactly no breaker
    [InlineData(3, 7, false)] // as many wrong calls: it refused 7 good calls to stop 7 failures
    [InlineData(10, 217, false)] // every failure through and good calls refused
    public void Only_a_candidate_with_fewer_wrong_calls_than_the_trace_has_failures_beats_no_breaker(long admittedFailures, long rejectedSuccesses, bool beats)
    {
        var noBreaker = new ReplayResult(100, 100, 0, 0, 10, 0, 0, null);

        Assert.Equal(beats, SweepRunner.BeatsNoBreaker(Result(admittedFailures, rejectedSuccesses), noBreaker));
    }

    [Fact]
    public void No_breaker_is_printed_after_the_candidates_that_beat_it_and_before_those_that_do_not()
    {
        var noBreaker = new ReplayResult(100, 100, 0, 0, 10, 0, 0, null);
        var results = new[] { Result(10, 5), Result(2, 3), Result(10, 0, opens: 0), Result(4, 4), Result(0, 30) };
        var ranking = SweepRunner.Rank(results);

        Assert.Equal([1, 3, 2, 0, 4], ranking);
        Assert.Equal([1, 3, -1, 2, 0, 4], SweepRunner.TopWithNoBreaker(ranking, results, noBreaker, top: 10));
        Assert.Equal([1, 3, -1, 2], SweepRunner.TopWithNoBreaker(ranking, results, noBreaker, top: 3));
        Assert.Equal([1, -1], SweepRunner.TopWithNoBreaker(ranking, results, noBreaker, top: 1));
    }

    [Fact]
    public void When_no_candidate_beats_no_breaker_it_comes_first()
    {
        var noBreaker = new ReplayResult(1322, 1322, 0, 0, 121, 0, 0, null);
        var results = new[] { Result(121, 217), Result(100, 300), Result(121, 0, opens: 0) };

        Assert.Equal([-1, 2, 0, 1], SweepRunner.TopWithNoBreaker(SweepRunner.Rank(results), results, noBreaker, top: 10));
    }
}
