using BenchmarkDotNet.Attributes;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Benchmarks.Tuner;

/// <summary>
/// One replayed call of <c>pollybreaker-tune</c>: a 200,000-call synthetic trace in memory replayed through the real
/// breaker on the fake clock; one operation is one call. Sequential calls take the replay's fast path (the call runs in
/// its callback); overlapping ones wait on the simulation's event queue.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private const int Calls = 200_000;

    private SortedTrace _trace = null!;
    private CandidateOptions _options = null!;

    [Params(false, true)]
    public bool Overlapping { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.GetTempFileName();
        try
        {
            SyntheticTrace.Write(path, Calls, Overlapping);
            _trace = SortedTrace.Load(path);
        }
        finally
        {
            File.Delete(path);
        }

        _options = CandidateOptions.Create("benchmark", [
            new("FailureThreshold", "null"), new("FailureRatio", "0.5"), new("MinimumThroughput", "20"),
            new("SlowCallDurationThreshold", "\"00:00:01\""), new("SamplingDuration", "\"00:00:10\""), new("BreakDuration", "\"00:00:05\"")]);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public long Replay() => TraceReplayer.Run(_trace, _options).Admitted;

    [GlobalCleanup]
    public void Cleanup()
    {
        var result = TraceReplayer.Run(_trace, _options);
        if (result.Calls != Calls || result.Opens == 0 || result.Rejected == 0)
        {
            throw new InvalidOperationException($"The replay did not measure a breaker at work: {result}");
        }

        _trace.Dispose();
    }
}
