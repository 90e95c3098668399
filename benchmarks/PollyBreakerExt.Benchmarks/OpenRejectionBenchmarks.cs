using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// A call rejected by an open breaker: what every caller pays while a dependency is down.
/// </summary>
/// <remarks>
/// Both breakers are tripped in [GlobalSetup] with a one-day break, so every measured call is rejected. The outcome API
/// (<c>ExecuteOutcomeAsync</c>) returns the <see cref="BrokenCircuitException"/>; the exception API (<c>ExecuteAsync</c>)
/// throws it, and the throw dominates that row.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OpenRejectionBenchmarks
{
    private const string OutcomeApi = "Open, outcome API";
    private const string ExceptionApi = "Open, exception API";

    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursState = new();

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _ours = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { MinimumThroughput = 2, BreakDuration = TimeSpan.FromDays(1), StateProvider = _pollyState });
        _ours = Pipelines.Ours(new() { BreakDuration = TimeSpan.FromDays(1), StateProvider = _oursState });
        Pipelines.Trip(_polly, () => _pollyState.CircuitState);
        Pipelines.Trip(_ours, () => _oursState.CircuitState);
    }

    [GlobalCleanup]
    public void Cleanup() => Pipelines.Expect(CircuitState.Open, _pollyState, _oursState);

    [Benchmark, BenchmarkCategory(OutcomeApi)]
    public Outcome<int> Outcome_Empty() => RunOutcome(_empty);

    [Benchmark(Baseline = true), BenchmarkCategory(OutcomeApi)]
    public Outcome<int> Outcome_Polly() => RunOutcome(_polly);

    [Benchmark, BenchmarkCategory(OutcomeApi)]
    public Outcome<int> Outcome_Ours() => RunOutcome(_ours);

    [Benchmark, BenchmarkCategory(ExceptionApi)]
    public ValueTask<int> Exception_Empty() => RunThrowing(_empty);

    [Benchmark(Baseline = true), BenchmarkCategory(ExceptionApi)]
    public ValueTask<int> Exception_Polly() => RunThrowing(_polly);

    [Benchmark, BenchmarkCategory(ExceptionApi)]
    public ValueTask<int> Exception_Ours() => RunThrowing(_ours);

    private static Outcome<int> RunOutcome(ResiliencePipeline<int> pipeline)
    {
        var context = ResilienceContextPool.Shared.Get();
        var outcome = pipeline.ExecuteOutcomeAsync(static (_, _) => Outcome.FromResultAsValueTask(42), context, 0);
        var result = outcome.IsCompletedSuccessfully ? outcome.Result : outcome.AsTask().GetAwaiter().GetResult();
        ResilienceContextPool.Shared.Return(context);
        return result;
    }

    private static async ValueTask<int> RunThrowing(ResiliencePipeline<int> pipeline)
    {
        try
        {
            return await pipeline.ExecuteAsync(static _ => new ValueTask<int>(42));
        }
        catch (BrokenCircuitException)
        {
            return -1;
        }
    }
}
