using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// The half-open probe, measured as the cycle that contains it: two failures open the breaker, the break elapses on a
/// manual clock, and one successful probe moves it through half-open back to closed.
/// </summary>
/// <remarks>
/// A probe cannot be measured alone: the successful probe closes the circuit, so each operation re-trips it. Each
/// operation is therefore three calls and three transitions (closed to open, open to half-open, half-open to closed),
/// with their telemetry. Both breakers: two failures trip (ours: FailureThreshold 2; Polly's: ratio 1.0 at throughput
/// 2), a one-second break, and one success closes (ours: SuccessThreshold 1, Polly's fixed behaviour).
/// </remarks>
[MemoryDiagnoser]
public class HalfOpenBenchmarks
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);

    private readonly ManualClock _clock = new();
    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursState = new();
    private readonly Outcome<int> _failure = Outcome.FromException<int>(new InvalidOperationException("failed"));
    private readonly Outcome<int> _success = Outcome.FromResult(42);

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _ours = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { FailureRatio = 1.0, MinimumThroughput = 2, BreakDuration = Break, StateProvider = _pollyState }, _clock);
        _ours = Pipelines.Ours(new() { FailureThreshold = 2, SuccessThreshold = 1, BreakDuration = Break, StateProvider = _oursState }, _clock);
    }

    [GlobalCleanup]
    public void Cleanup() => Pipelines.Expect(CircuitState.Closed, _pollyState, _oursState);

    [Benchmark]
    public Outcome<int> Empty() => Cycle(_empty);

    [Benchmark(Baseline = true)]
    public Outcome<int> Polly() => Cycle(_polly);

    [Benchmark]
    public Outcome<int> Ours() => Cycle(_ours);

    private Outcome<int> Cycle(ResiliencePipeline<int> pipeline)
    {
        Run(pipeline, _failure);
        Run(pipeline, _failure);
        _clock.Advance(Break);
        return Run(pipeline, _success);
    }

    private static Outcome<int> Run(ResiliencePipeline<int> pipeline, Outcome<int> result)
    {
        var context = ResilienceContextPool.Shared.Get();
        var outcome = pipeline.ExecuteOutcomeAsync(static (_, r) => new ValueTask<Outcome<int>>(r), context, result);
        var completed = outcome.IsCompletedSuccessfully ? outcome.Result : outcome.AsTask().GetAwaiter().GetResult();
        ResilienceContextPool.Shared.Return(context);
        return completed;
    }
}
