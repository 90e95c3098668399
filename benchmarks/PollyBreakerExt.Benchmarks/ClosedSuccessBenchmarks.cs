using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// A successful call through a closed breaker: the path every healthy call takes.
/// </summary>
/// <remarks>
/// Both breakers run with their default options (ours: time-based window, failure threshold 5, slow-call detection on at
/// 10 s; Polly's: failure ratio 0.5 over 30 s), which successes never trip. "sync" is the synchronous API
/// (<c>Execute</c>); "async" is <c>ExecuteAsync</c> with a callback that completes synchronously, as most cached or
/// in-memory work does; "async yield" awaits <c>Task.Yield()</c>, so the call really goes asynchronous and the callback's
/// own state machine is part of every row.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClosedSuccessBenchmarks
{
    private const string GenericSync = "Success, generic, sync";
    private const string GenericAsync = "Success, generic, async";
    private const string GenericYield = "Success, generic, async yield";
    private const string GenericCustom = "Success, generic, async, custom ShouldHandle";
    private const string NonGenericSync = "Success, non-generic, sync";
    private const string NonGenericAsync = "Success, non-generic, async";
    private const string NonGenericYield = "Success, non-generic, async yield";
    private const string NonGenericCustom = "Success, non-generic, async, custom ShouldHandle";

    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly CircuitBreakerStateProvider _pollyStateNonGeneric = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursStateNonGeneric = new();

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _ours = null!;
    private ResiliencePipeline<int> _pollyCustom = null!;
    private ResiliencePipeline<int> _oursCustom = null!;
    private ResiliencePipeline _emptyNonGeneric = null!;
    private ResiliencePipeline _pollyNonGeneric = null!;
    private ResiliencePipeline _oursNonGeneric = null!;
    private ResiliencePipeline _pollyCustomNonGeneric = null!;
    private ResiliencePipeline _oursCustomNonGeneric = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { StateProvider = _pollyState });
        _ours = Pipelines.Ours(new() { StateProvider = _oursState });

        // A typical hand-written predicate: the exceptions a remote call fails with.
        _pollyCustom = Pipelines.Polly(new() { ShouldHandle = new PredicateBuilder<int>().Handle<HttpRequestException>().Handle<TimeoutException>() });
        _oursCustom = Pipelines.Ours(new() { ShouldHandle = new PredicateBuilder<int>().Handle<HttpRequestException>().Handle<TimeoutException>() });

        _emptyNonGeneric = ResiliencePipeline.Empty;
        _pollyNonGeneric = Pipelines.PollyNonGeneric(new() { StateProvider = _pollyStateNonGeneric });
        _oursNonGeneric = Pipelines.OursNonGeneric(new() { StateProvider = _oursStateNonGeneric });
        _pollyCustomNonGeneric = Pipelines.PollyNonGeneric(new() { ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>() });
        _oursCustomNonGeneric = Pipelines.OursNonGeneric(new() { ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>() });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Pipelines.Expect(CircuitState.Closed, _pollyState, _oursState);
        Pipelines.Expect(CircuitState.Closed, _pollyStateNonGeneric, _oursStateNonGeneric);
    }

    [Benchmark, BenchmarkCategory(GenericSync)]
    public int Generic_Sync_Empty() => _empty.Execute(static () => 42);

    [Benchmark(Baseline = true), BenchmarkCategory(GenericSync)]
    public int Generic_Sync_Polly() => _polly.Execute(static () => 42);

    [Benchmark, BenchmarkCategory(GenericSync)]
    public int Generic_Sync_Ours() => _ours.Execute(static () => 42);

    [Benchmark, BenchmarkCategory(GenericAsync)]
    public ValueTask<int> Generic_Async_Empty() => _empty.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark(Baseline = true), BenchmarkCategory(GenericAsync)]
    public ValueTask<int> Generic_Async_Polly() => _polly.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(GenericAsync)]
    public ValueTask<int> Generic_Async_Ours() => _ours.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(GenericYield)]
    public ValueTask<int> Generic_Yield_Empty() => _empty.ExecuteAsync(YieldingCallback);

    [Benchmark(Baseline = true), BenchmarkCategory(GenericYield)]
    public ValueTask<int> Generic_Yield_Polly() => _polly.ExecuteAsync(YieldingCallback);

    [Benchmark, BenchmarkCategory(GenericYield)]
    public ValueTask<int> Generic_Yield_Ours() => _ours.ExecuteAsync(YieldingCallback);

    [Benchmark(Baseline = true), BenchmarkCategory(GenericCustom)]
    public ValueTask<int> Generic_Custom_Polly() => _pollyCustom.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(GenericCustom)]
    public ValueTask<int> Generic_Custom_Ours() => _oursCustom.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(NonGenericSync)]
    public int NonGeneric_Sync_Empty() => _emptyNonGeneric.Execute(static () => 42);

    [Benchmark(Baseline = true), BenchmarkCategory(NonGenericSync)]
    public int NonGeneric_Sync_Polly() => _pollyNonGeneric.Execute(static () => 42);

    [Benchmark, BenchmarkCategory(NonGenericSync)]
    public int NonGeneric_Sync_Ours() => _oursNonGeneric.Execute(static () => 42);

    [Benchmark, BenchmarkCategory(NonGenericAsync)]
    public ValueTask<int> NonGeneric_Async_Empty() => _emptyNonGeneric.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark(Baseline = true), BenchmarkCategory(NonGenericAsync)]
    public ValueTask<int> NonGeneric_Async_Polly() => _pollyNonGeneric.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(NonGenericAsync)]
    public ValueTask<int> NonGeneric_Async_Ours() => _oursNonGeneric.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(NonGenericYield)]
    public ValueTask<int> NonGeneric_Yield_Empty() => _emptyNonGeneric.ExecuteAsync(YieldingCallback);

    [Benchmark(Baseline = true), BenchmarkCategory(NonGenericYield)]
    public ValueTask<int> NonGeneric_Yield_Polly() => _pollyNonGeneric.ExecuteAsync(YieldingCallback);

    [Benchmark, BenchmarkCategory(NonGenericYield)]
    public ValueTask<int> NonGeneric_Yield_Ours() => _oursNonGeneric.ExecuteAsync(YieldingCallback);

    [Benchmark(Baseline = true), BenchmarkCategory(NonGenericCustom)]
    public ValueTask<int> NonGeneric_Custom_Polly() => _pollyCustomNonGeneric.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(NonGenericCustom)]
    public ValueTask<int> NonGeneric_Custom_Ours() => _oursCustomNonGeneric.ExecuteAsync(static _ => new ValueTask<int>(42));

    private static async ValueTask<int> YieldingCallback(CancellationToken cancellationToken)
    {
        await Task.Yield();
        return 42;
    }
}
