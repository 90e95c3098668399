using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace PollyBreakerExt.Benchmarks.Fleet;

/// <summary>
/// DESIGN W1, Cost: a successful call through a closed breaker that belongs to a Redis fleet (connected to a real
/// redis-server on loopback) against the same breaker alone, in one run. The target is at most 1.05x and 0 B.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes through [GlobalCleanup].")]
public class FleetClosedPathBenchmarks
{
    private const string Sync = "Closed, generic, sync";
    private const string Async = "Closed, generic, async";

    private readonly SlowCallCircuitBreakerStateProvider _aloneState = new();
    private readonly SlowCallCircuitBreakerStateProvider _fleetState = new();
    private LocalRedis _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisCircuitBreakerFleet _fleet = null!;
    private ResiliencePipeline<int> _alone = null!;
    private ResiliencePipeline<int> _inFleet = null!;

    [GlobalSetup]
    public void Setup()
    {
        _redis = LocalRedis.Start();
        _connection = _redis.Connect();
        _fleet = new RedisCircuitBreakerFleet(_connection, new RedisCircuitBreakerFleetOptions { KeyPrefix = "bench" });
        for (var i = 0; i < 500 && !_fleet.IsConnected; i++)
        {
            Thread.Sleep(10);
        }

        if (!_fleet.IsConnected)
        {
            throw new InvalidOperationException("The fleet did not connect to the local redis-server.");
        }

        _alone = Pipelines.Ours(new() { Name = "payments", StateProvider = _aloneState });
        _inFleet = Pipelines.Ours(new() { Name = "payments", StateProvider = _fleetState, Fleet = _fleet });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_aloneState.CircuitState != CircuitState.Closed || _fleetState.CircuitState != CircuitState.Closed || !_fleet.IsConnected)
        {
            throw new InvalidOperationException("A breaker left the closed state, or the fleet lost Redis: the numbers measure the wrong path.");
        }

        _fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _connection.Dispose();
        _redis.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Sync)]
    public int Sync_Alone() => _alone.Execute(static () => 42);

    [Benchmark, BenchmarkCategory(Sync)]
    public int Sync_InFleet() => _inFleet.Execute(static () => 42);

    [Benchmark(Baseline = true), BenchmarkCategory(Async)]
    public ValueTask<int> Async_Alone() => _alone.ExecuteAsync(static _ => ValueTask.FromResult(42));

    [Benchmark, BenchmarkCategory(Async)]
    public ValueTask<int> Async_InFleet() => _inFleet.ExecuteAsync(static _ => ValueTask.FromResult(42));
}
