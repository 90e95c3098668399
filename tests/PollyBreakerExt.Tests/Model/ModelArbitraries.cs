using FsCheck;
using FsCheck.Fluent;

namespace PollyBreakerExt.Tests.Model;

/// <summary>
/// Random configurations and programs, with a shrinker that cuts a failing program down to the steps that matter.
/// </summary>
/// <remarks>
/// Durations and clock advances are drawn around the configuration's own edges (bucket width, sampling duration, slow
/// threshold and break duration, each also one tick either side), where off-by-one mistakes live.
/// </remarks>
public static class ModelArbitraries
{
    private const long Second = TimeSpan.TicksPerSecond;

    public static Arbitrary<Scenario> Scenario() => Arb.From(ScenarioGen(null), Shrink);

    public static Gen<Scenario> ScenarioGen(SlidingWindowType? windowType) =>
        from config in ConfigGen(windowType)
        from program in Gen.Sized(size => from length in Gen.Choose(0, Math.Max(1, size))
                                          from ops in Gen.ArrayOf(OpGen(config), length)
                                          select ops)
        select new Scenario(config, program);

    public static Gen<ModelConfig> ConfigGen(SlidingWindowType? windowType) =>
        from type in windowType is { } fixedType ? Gen.Constant(fixedType) : Gen.Elements(SlidingWindowType.CountBased, SlidingWindowType.TimeBased)
        from size in Gen.Choose(1, 8)
        from sampling in Gen.Elements(10 * Second, 20 * Second, 30 * Second, 7 * Second, (7 * Second) + 3, 25L)
        from minimumThroughput in Gen.Choose(1, type == SlidingWindowType.CountBased ? size : 6)
        from failureThreshold in Gen.Frequency(
            (1, Gen.Constant<int?>(null)),
            (3, Gen.Choose(1, type == SlidingWindowType.CountBased ? Math.Min(size, 5) : 5).Select(t => (int?)t)))
        from failureRatio in Gen.Elements<double?>(null, null, 0.25, 0.5, 1.0 / 3, 0.75, 1.0)
        from slow in Gen.Elements<long?>(null, Second, 2 * Second, 3 * Second)
        from slowRatio in Gen.Elements(0.25, 0.5, 2.0 / 3, 1.0)
        from breakTicks in Gen.Elements(Second, 5 * Second, 10 * Second, 30 * Second)
        from generator in Gen.Frequency(
            (6, Gen.Constant(GeneratorKind.None)),
            (1, Gen.Elements(GeneratorKind.Linear, GeneratorKind.Negative, GeneratorKind.Huge, GeneratorKind.Throws)))
        from successThreshold in Gen.Choose(1, 3)
        from customPredicate in Gen.Elements(false, true)
        from generic in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from startIsolated in Gen.Frequency((12, Gen.Constant(false)), (1, Gen.Constant(true)))
        let anyTrip = failureThreshold is not null || failureRatio is not null || slow is not null
        select new ModelConfig(
            type,
            size,
            sampling,
            minimumThroughput,
            anyTrip ? failureThreshold : 1,
            failureRatio,
            slow,
            slowRatio,
            breakTicks,
            generator,
            successThreshold,
            customPredicate,
            generic,
            startIsolated);

    public static Gen<Op> OpGen(ModelConfig config)
    {
        var slow = config.SlowTicks ?? 2 * Second;
        var kinds = Gen.Frequency(
            (5, Gen.Constant(CallKind.Success)),
            (4, Gen.Constant(CallKind.Failure)),
            (2, Gen.Constant(CallKind.Cancelled)),
            (1, Gen.Elements(CallKind.FailureResult, CallKind.PredicateThrows)));
        var durations = Gen.Frequency(
            (6, Gen.Constant(0L)),
            (2, Gen.Elements(1L, Second / 2, Second)),
            (3, Gen.Elements(slow - 1, slow, slow + Second)));
        var advances = Gen.Elements(
            1L,
            Second,
            5 * Second,
            config.BucketTicks,
            config.SamplingTicks - 1,
            config.SamplingTicks,
            config.SamplingTicks + 1,
            config.BreakTicks - 1,
            config.BreakTicks,
            slow);

        return Gen.Frequency(
            (40, from kind in kinds from duration in durations select (Op)new CallOp(kind, duration)),
            (10, Gen.Constant((Op)new StartOp())),
            (10, from index in Gen.Choose(0, 3) from kind in kinds select (Op)new FinishOp(index, kind)),
            (25, advances.Select(ticks => (Op)new AdvanceOp(ticks))),
            (2, Gen.Constant((Op)new IsolateOp())),
            (3, Gen.Constant((Op)new CloseOp())));
    }

    /// <summary>Simpler configurations first, then shorter programs (big cuts before single steps), then simpler steps.</summary>
    public static IEnumerable<Scenario> Shrink(Scenario scenario)
    {
        var (config, program) = (scenario.Config, scenario.Program);
        if (config.StartIsolated)
        {
            yield return scenario with { Config = config with { StartIsolated = false } };
        }

        if (config.Generator != GeneratorKind.None)
        {
            yield return scenario with { Config = config with { Generator = GeneratorKind.None } };
        }

        if (!config.Generic)
        {
            yield return scenario with { Config = config with { Generic = true } };
        }

        if (config.CustomPredicate)
        {
            yield return scenario with { Config = config with { CustomPredicate = false } };
        }

        for (var chunk = program.Length / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= program.Length; start += chunk)
            {
                yield return scenario with { Program = [.. program[..start], .. program[(start + chunk)..]] };
            }
        }

        for (var i = 0; i < program.Length; i++)
        {
            Op? simpler = program[i] switch
            {
                CallOp { DurationTicks: not 0 } call => call with { DurationTicks = 0 },
                CallOp { Kind: not CallKind.Success and not CallKind.Failure } call => call with { Kind = CallKind.Failure },
                FinishOp { Index: not 0 } finish => finish with { Index = 0 },
                _ => null,
            };

            if (simpler is not null)
            {
                yield return scenario with { Program = [.. program[..i], simpler, .. program[(i + 1)..]] };
            }
        }
    }
}
