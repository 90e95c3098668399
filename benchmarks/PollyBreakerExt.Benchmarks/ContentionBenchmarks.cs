using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// All cores calling one breaker at once: the closed success path (generic, async, callback completing synchronously)
/// from <see cref="Environment.ProcessorCount"/> threads sharing one pipeline.
/// </summary>
/// <remarks>
/// Each operation is one call; the reported time is wall time divided by all calls made by all threads, so throughput
/// is 1 / Mean. The threads are started once and released together by a barrier for each invocation, so thread start-up
/// is not measured and every core really runs at once.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in [GlobalCleanup], which BenchmarkDotNet always calls.")]
public class ContentionBenchmarks
{
    // A constant because OperationsPerInvoke must be one; split across the cores in Run.
    private const int CallsPerInvoke = 1 << 16;

    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursCountState = new();

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _ours = null!;
    private ResiliencePipeline<int> _oursCount = null!;
    private ParallelCallers _cores = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { StateProvider = _pollyState });
        _ours = Pipelines.Ours(new() { StateProvider = _oursState });
        _oursCount = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.CountBased, SlowCallDurationThreshold = null, StateProvider = _oursCountState });
        _cores = new ParallelCallers(Environment.ProcessorCount);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cores.Dispose();
        Pipelines.Expect(CircuitState.Closed, _pollyState, _oursState);
        Pipelines.Expect(CircuitState.Closed, _pollyState, _oursCountState);
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public void Empty() => _cores.Run(_empty, CallsPerInvoke);

    [Benchmark(OperationsPerInvoke = CallsPerInvoke, Baseline = true)]
    public void Polly() => _cores.Run(_polly, CallsPerInvoke);

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public void Ours() => _cores.Run(_ours, CallsPerInvoke);

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public void Ours_CountBased_SlowOff() => _cores.Run(_oursCount, CallsPerInvoke);
}
