using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;

namespace PollyBreakerExt.Tuner.Tests.Sweep;

public class SweepRunnerTests
{
    [Fact]
    public void The_pareto_front_holds_the_candidates_nothing_beats_on_both_axes()
    {
        ReplayResult Result(long admittedFailures, long rejectedSuccesses) => new(100, 0, 0, rejectedSuccesses, admittedFailures, 0, 0, null);
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
}
