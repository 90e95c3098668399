using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.FSharp.Core;
using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests.Model;

/// <summary>
/// Model-based property tests: random programs of calls (fast, slow, failing, cancelled, in flight across other steps),
/// clock advances and manual isolate/close run against the breaker and against <see cref="ReferenceModel"/>; after every
/// step the state, the call's outcome, the metrics, the transitions (with reasons and break durations), the probes in
/// flight, the rejections and the slow calls reported must agree. A disagreement shrinks to a minimal program.
/// </summary>
public class ModelBasedTests
{
    [Property(MaxTest = 300, Arbitrary = [typeof(CountBasedScenarios)])]
    public void A_count_based_breaker_behaves_as_the_model_at_every_step(Scenario scenario) => ModelRunner.Run(scenario);

    [Property(MaxTest = 300, Arbitrary = [typeof(TimeBasedScenarios)])]
    public void A_time_based_breaker_behaves_as_the_model_at_every_step(Scenario scenario) => ModelRunner.Run(scenario);

    [Fact]
    public void A_disagreement_shrinks_to_a_minimal_program()
    {
        // A deliberately wrong model (it forgets that closing clears the window) must be caught, and the counterexample cut
        // down to the few steps that show it: trip, recover through a probe, and record once more.
        var arbitrary = Arb.From(ModelArbitraries.ScenarioGen(SlidingWindowType.CountBased), ModelArbitraries.Shrink);
        var config = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(7UL, 11UL), FSharpOption<int>.None)));

        var property = Prop.ForAll(arbitrary, scenario => ModelRunner.Run(scenario, ModelRunner.Flaw.WindowSurvivesClose));
        var exception = Assert.ThrowsAny<Exception>(() => Check.One(config, property));

        var shrunk = ShrunkProgramLength(exception.Message);
        Assert.InRange(shrunk, 1, 8);
    }

    private static int ShrunkProgramLength(string message)
    {
        var marker = "program (";
        var at = message.LastIndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, message);
        var end = message.IndexOf(' ', at + marker.Length);
        return int.Parse(message[(at + marker.Length)..end], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static class CountBasedScenarios
    {
        public static Arbitrary<Scenario> Scenario() => Arb.From(ModelArbitraries.ScenarioGen(SlidingWindowType.CountBased), ModelArbitraries.Shrink);
    }

    public static class TimeBasedScenarios
    {
        public static Arbitrary<Scenario> Scenario() => Arb.From(ModelArbitraries.ScenarioGen(SlidingWindowType.TimeBased), ModelArbitraries.Shrink);
    }
}
