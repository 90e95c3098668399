using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// What the window type and slow-call detection cost on the closed success path (generic, async, callback completing
/// synchronously), against Polly's breaker with its defaults.
/// </summary>
/// <remarks>
/// Time-based windows and slow-call detection both read the clock: slow-call detection at admission and completion, a
/// time-based window at completion. A count-based window without slow-call detection reads no clock at all.
/// The second category makes every call slow: the callback advances a manual clock by 1 ms, past a 1 ms threshold, with
/// a slow-call ratio of 1.0 that never reaches its minimum throughput, so each call is detected, reported and recorded
/// as slow without tripping. Its rows are comparable with each other only (all read the manual clock).
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WindowBenchmarks
{
    private const string Fast = "Window x slow-call detection, fast calls";
    private const string Slow = "Slow-call detection, every call slow";

    private static readonly TimeSpan SlowThreshold = TimeSpan.FromMilliseconds(1);

    private readonly ManualClock _clock = new();
    private readonly CircuitBreakerStateProvider _pollyState = new();
    private readonly CircuitBreakerStateProvider _pollySlowState = new();
    private readonly SlowCallCircuitBreakerStateProvider _oursSlowState = new();

    private ResiliencePipeline<int> _empty = null!;
    private ResiliencePipeline<int> _polly = null!;
    private ResiliencePipeline<int> _timeSlowOn = null!;
    private ResiliencePipeline<int> _timeSlowOff = null!;
    private ResiliencePipeline<int> _countSlowOn = null!;
    private ResiliencePipeline<int> _countSlowOff = null!;
    private ResiliencePipeline<int> _pollySlow = null!;
    private ResiliencePipeline<int> _oursSlow = null!;
    private ResiliencePipeline<int> _oursSlowOff = null!;

    [GlobalSetup]
    public void Setup()
    {
        _empty = ResiliencePipeline<int>.Empty;
        _polly = Pipelines.Polly(new() { StateProvider = _pollyState });
        _timeSlowOn = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.TimeBased });
        _timeSlowOff = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.TimeBased, SlowCallDurationThreshold = null });
        _countSlowOn = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.CountBased });
        _countSlowOff = Pipelines.Ours(new() { SlidingWindowType = SlidingWindowType.CountBased, SlowCallDurationThreshold = null });

        _pollySlow = Pipelines.Polly(new() { StateProvider = _pollySlowState }, _clock);
        _oursSlow = Pipelines.Ours(
            new()
            {
                SlowCallDurationThreshold = SlowThreshold,
                SlowCallRatio = 1.0,
                MinimumThroughput = 1_000_000, // the manual clock moves 1 ms a call: a 60 s window holds 60,000 of them
                StateProvider = _oursSlowState,
            },
            _clock);
        _oursSlowOff = Pipelines.Ours(new() { SlowCallDurationThreshold = null }, _clock);
    }

    [GlobalCleanup]
    public void Cleanup() => Pipelines.Expect(CircuitState.Closed, _pollySlowState, _oursSlowState);

    // Each benchmark runs in its own process, so only this one has made slow calls to check.
    [GlobalCleanup(Target = nameof(Slow_Ours_DetectionOn))]
    public void CleanupSlow()
    {
        Cleanup();
        if (_oursSlowState.Metrics.SlowCalls == 0)
        {
            throw new InvalidOperationException("The slow-call row recorded no slow call.");
        }
    }

    [Benchmark, BenchmarkCategory(Fast)]
    public ValueTask<int> Empty() => _empty.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark(Baseline = true), BenchmarkCategory(Fast)]
    public ValueTask<int> Polly() => _polly.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(Fast)]
    public ValueTask<int> Ours_TimeBased_SlowOn() => _timeSlowOn.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(Fast)]
    public ValueTask<int> Ours_TimeBased_SlowOff() => _timeSlowOff.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(Fast)]
    public ValueTask<int> Ours_CountBased_SlowOn() => _countSlowOn.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(Fast)]
    public ValueTask<int> Ours_CountBased_SlowOff() => _countSlowOff.ExecuteAsync(static _ => new ValueTask<int>(42));

    [Benchmark, BenchmarkCategory(Slow)]
    public ValueTask<int> Slow_Empty() => _empty.ExecuteAsync(static (clock, _) => SlowCall(clock), _clock);

    [Benchmark(Baseline = true), BenchmarkCategory(Slow)]
    public ValueTask<int> Slow_Polly() => _pollySlow.ExecuteAsync(static (clock, _) => SlowCall(clock), _clock);

    [Benchmark, BenchmarkCategory(Slow)]
    public ValueTask<int> Slow_Ours_DetectionOn() => _oursSlow.ExecuteAsync(static (clock, _) => SlowCall(clock), _clock);

    [Benchmark, BenchmarkCategory(Slow)]
    public ValueTask<int> Slow_Ours_DetectionOff() => _oursSlowOff.ExecuteAsync(static (clock, _) => SlowCall(clock), _clock);

    private static ValueTask<int> SlowCall(ManualClock clock)
    {
        clock.Advance(SlowThreshold);
        return new ValueTask<int>(42);
    }
}
