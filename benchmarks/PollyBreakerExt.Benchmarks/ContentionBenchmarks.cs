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
    private AllCores _cores = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { StateProvider = _pollyState });
        _ours = Pipelines.Ours(new() { StateProvider = _oursState });
        _oursCount = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.CountBased, SlowCallDurationThreshold = null, StateProvider = _oursCountState });
        _cores = new AllCores(Environment.ProcessorCount);
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

    /// <summary>
    /// The calling thread plus one dedicated thread per other core, released together for each batch of calls.
    /// </summary>
    private sealed class AllCores : IDisposable
    {
        private readonly Barrier _barrier;
        private readonly Thread[] _threads;
        private ResiliencePipeline<int>? _pipeline;
        private int _callsPerThread;

        public AllCores(int cores)
        {
            _barrier = new Barrier(cores);
            _threads = new Thread[cores - 1];
            for (var i = 0; i < _threads.Length; i++)
            {
                _threads[i] = new Thread(Work) { IsBackground = true, Name = $"contention-{i}" };
                _threads[i].Start();
            }
        }

        public void Run(ResiliencePipeline<int> pipeline, int calls)
        {
            _pipeline = pipeline;
            _callsPerThread = calls / _barrier.ParticipantCount;
            _barrier.SignalAndWait(); // start
            Call(pipeline, calls - (_callsPerThread * (_barrier.ParticipantCount - 1)));
            _barrier.SignalAndWait(); // all done
        }

        public void Dispose()
        {
            _pipeline = null;
            _barrier.SignalAndWait(); // release the workers with no pipeline: they exit
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _barrier.Dispose();
        }

        private static void Call(ResiliencePipeline<int> pipeline, int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                var pending = pipeline.ExecuteAsync(static _ => new ValueTask<int>(42));
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.AsTask().GetAwaiter().GetResult();
                }
            }
        }

        private void Work()
        {
            while (true)
            {
                _barrier.SignalAndWait();
                if (_pipeline is not { } pipeline)
                {
                    return;
                }

                Call(pipeline, _callsPerThread);
                _barrier.SignalAndWait();
            }
        }
    }
}
