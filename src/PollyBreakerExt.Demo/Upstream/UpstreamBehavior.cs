namespace PollyBreakerExt.Demo.Upstream;

/// <summary>The upstream's current phase and what it makes a request do; switched by the scenario or the serve endpoint.</summary>
public sealed class UpstreamBehavior
{
    /// <summary>How many requests a recovered upstream answers cold (<see cref="DemoTimings.ColdLatencyMin"/>) before it is warm.</summary>
    public const int ColdRequests = 20;

    private readonly DemoTimings _timings;
    private int _phase;
    private long _requests;
    private int _coldLeft;

    public UpstreamBehavior(DemoTimings timings) => _timings = timings;

    public UpstreamPhase Phase
    {
        get => (UpstreamPhase)Volatile.Read(ref _phase);
        set
        {
            // Counted in requests, not time: the half-open probes are the first requests to reach it, whenever they come.
            Volatile.Write(ref _coldLeft, value == UpstreamPhase.Recovered && Phase != UpstreamPhase.Recovered ? ColdRequests : 0);
            Volatile.Write(ref _phase, (int)value);
        }
    }

    /// <summary>Gets how many requests reached the upstream, retries included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Decides what the next request gets in the current phase.</summary>
    public UpstreamAnswer Next()
    {
        Interlocked.Increment(ref _requests);
        return Phase switch
        {
            UpstreamPhase.Slow => new(UpstreamAnswerKind.Product, Latency(_timings.SlowLatencyMin, _timings.SlowLatencyMax)),
            UpstreamPhase.Failing => new(FailureKind(), Latency(_timings.FailingLatencyMin, _timings.FailingLatencyMax)),
            UpstreamPhase.Recovered when Interlocked.Decrement(ref _coldLeft) >= 0 => new(UpstreamAnswerKind.Product, Latency(_timings.ColdLatencyMin, _timings.ColdLatencyMax)),
            _ => new(UpstreamAnswerKind.Product, Latency(_timings.HealthyLatencyMin, _timings.HealthyLatencyMax)),
        };
    }

    private static UpstreamAnswerKind FailureKind() => Random.Shared.Next(10) switch
    {
        < 4 => UpstreamAnswerKind.InternalServerError,
        < 8 => UpstreamAnswerKind.ServiceUnavailable,
        _ => UpstreamAnswerKind.DropConnection,
    };

    private static TimeSpan Latency(TimeSpan min, TimeSpan max) => min + ((max - min) * Random.Shared.NextDouble());
}
