using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// A failed call through a closed breaker: classified, recorded, and the trip conditions checked.
/// </summary>
/// <remarks>
/// Every call fails, so the configurations are chosen so that failures alone cannot trip within a run: both breakers judge a
/// failure ratio of 1.0 but never reach their minimum throughput (ours: a million calls within a 5 ms window, which no
/// call rate here reaches). The second row of ours also keeps the exact failure times its <c>FailureThreshold</c> needs.
/// The callback returns a cached exception as an outcome, so no throw is measured.
/// </remarks>
[MemoryDiagnoser]
public class ClosedFailureBenchmarks
{
    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursThresholdState = new();
    private readonly Outcome<int> _failure = Outcome.FromException<int>(new InvalidOperationException("failed"));

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _ours = null!;
    private ResiliencePipeline<int> _oursThreshold = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { FailureRatio = 1.0, MinimumThroughput = int.MaxValue, StateProvider = _pollyState });
        _ours = Pipelines.Ours(new()
        {
            FailureThreshold = null,
            SamplingDuration = TimeSpan.FromMilliseconds(5),
            FailureRatio = 1.0,
            MinimumThroughput = 1_000_000, // the largest allowed; a million calls within 5 ms is more than any call rate here
            StateProvider = _oursState,
        });
        _oursThreshold = Pipelines.Ours(new()
        {
            FailureThreshold = 1_000_000,
            SamplingDuration = TimeSpan.FromMilliseconds(5),
            FailureRatio = 1.0,
            MinimumThroughput = 1_000_000,
            StateProvider = _oursThresholdState,
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Pipelines.Expect(CircuitState.Closed, _pollyState, _oursState);
        Pipelines.Expect(CircuitState.Closed, _pollyState, _oursThresholdState);
    }

    [Benchmark]
    public Outcome<int> Empty() => Run(_empty);

    [Benchmark(Baseline = true)]
    public Outcome<int> Polly() => Run(_polly);

    [Benchmark]
    public Outcome<int> Ours_FailureRatio() => Run(_ours);

    [Benchmark]
    public Outcome<int> Ours_FailureThreshold() => Run(_oursThreshold);

    private Outcome<int> Run(ResiliencePipeline<int> pipeline)
    {
        var context = ResilienceContextPool.Shared.Get();
        var outcome = pipeline.ExecuteOutcomeAsync(static (_, failure) => new ValueTask<Outcome<int>>(failure), context, _failure);

        // Every pipeline here completes synchronously; reading the result keeps the async machinery of the harness out.
        var result = outcome.IsCompletedSuccessfully ? outcome.Result : outcome.AsTask().GetAwaiter().GetResult();
        ResilienceContextPool.Shared.Return(context);
        return result;
    }
}
