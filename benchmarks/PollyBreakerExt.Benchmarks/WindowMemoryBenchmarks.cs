using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Polly;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// Memory against call volume: a fresh breaker takes 10^4 or 10^6 calls, all inside its window, and what it holds
/// afterwards must not depend on how many.
/// </summary>
/// <remarks>
/// The calls are spread evenly over one sampling duration (60 s) of a manual clock, so at the end every one of them is
/// inside a time-based window. One call in a hundred fails (a ratio of 0.5 never trips). Count-based rows use a window of
/// 1,000 calls: their memory follows that setting, not the call volume.
/// <para>Two columns answer the question. <c>Allocated</c> (per operation: building the pipeline and making every call)
/// is flat when no call allocates. <c>Retained</c> is what the pipeline still holds after its calls, measured in the
/// host process after a forced full GC (<see cref="GC.GetTotalMemory(bool)"/>), median of five, each after a warm-up fill.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(RetainedConfig))]
public class WindowMemoryBenchmarks
{
    private static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(60);
    private static readonly Outcome<int> Failure = Outcome.FromException<int>(new InvalidOperationException("failed"));
    private static readonly Outcome<int> Success = Outcome.FromResult(42);

    [Params(10_000, 1_000_000)]
    public int Calls { get; set; }

    [Benchmark(Baseline = true)]
    public object Polly() => Fill(nameof(Polly), Calls);

    [Benchmark]
    public object Ours_TimeBased() => Fill(nameof(Ours_TimeBased), Calls);

    [Benchmark]
    public object Ours_CountBased() => Fill(nameof(Ours_CountBased), Calls);

    /// <summary>Builds the named breaker on a manual clock and makes <paramref name="calls"/> calls within one window.</summary>
    internal static ResiliencePipeline<int> Fill(string scenario, int calls)
    {
        var clock = new ManualClock();
        var pipeline = scenario switch
        {
            nameof(Polly) => Pipelines.Polly(new() { SamplingDuration = SamplingDuration, FailureRatio = 0.5 }, clock),
            nameof(Ours_TimeBased) => Pipelines.Ours(new() { SamplingDuration = SamplingDuration, FailureThreshold = null, FailureRatio = 0.5 }, clock),
            nameof(Ours_CountBased) => Pipelines.Ours(
                new() { SlidingWindowType = SlidingWindowType.CountBased, SlidingWindowSize = 1000, FailureThreshold = null, FailureRatio = 0.5 },
                clock),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null),
        };

        // Strictly less than the window per step, so the first call is still inside it when the last one completes.
        var step = TimeSpan.FromTicks((SamplingDuration.Ticks - 1) / calls);
        var context = ResilienceContextPool.Shared.Get();
        for (var i = 0; i < calls; i++)
        {
            clock.Advance(step);
            var outcome = i % 100 == 99 ? Failure : Success;
            var pending = pipeline.ExecuteOutcomeAsync(static (_, o) => new ValueTask<Outcome<int>>(o), context, outcome);
            if (!pending.IsCompletedSuccessfully)
            {
                pending.AsTask().GetAwaiter().GetResult();
            }
        }

        ResilienceContextPool.Shared.Return(context);
        return pipeline;
    }

    /// <summary>Bytes the filled pipeline (with its breaker, window and clock) keeps alive: the median of five measurements.</summary>
    /// <remarks>A single measurement is now and then off by a few KB (the runtime's own background work, such as tiered
    /// compilation, allocates meanwhile); the median drops that.</remarks>
    internal static long MeasureRetained(string scenario, int calls)
    {
        var measured = Enumerable.Range(0, 5).Select(_ => MeasureRetainedOnce(scenario, calls)).Order().ToList();
        return measured[measured.Count / 2];
    }

    internal static long MeasureRetainedOnce(string scenario, int calls)
    {
        GC.KeepAlive(Fill(scenario, calls)); // warm-up: JIT, static caches and pooled contexts are not the breaker's
        var before = HeapBytesAfterFullGC();
        var pipeline = Fill(scenario, calls);
        var after = HeapBytesAfterFullGC();
        GC.KeepAlive(pipeline);
        return after - before;
    }

    private static long HeapBytesAfterFullGC()
    {
        // Twice around the finalizers, so objects they free are gone too; then the heap holds live objects only.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private sealed class RetainedConfig : ManualConfig
    {
        public RetainedConfig() => AddColumn(new RetainedColumn());
    }

    private sealed class RetainedColumn : IColumn
    {
        private readonly ConcurrentDictionary<(string Scenario, int Calls), long> _measured = new();

        public string Id => nameof(RetainedColumn);

        public string ColumnName => "Retained";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Size;

        public string Legend => "Bytes the pipeline holds after its calls (forced full GC, median of 5, measured in the host process)";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var key = (benchmarkCase.Descriptor.WorkloadMethod.Name, (int)benchmarkCase.Parameters[nameof(Calls)]);
            return $"{_measured.GetOrAdd(key, static k => MeasureRetained(k.Scenario, k.Calls))} B";
        }
    }
}
