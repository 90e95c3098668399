namespace PollyBreakerExt.Demo;

/// <summary>The demo's command line, parsed.</summary>
public sealed record DemoOptions
{
    /// <summary>The shortest scenario (at speed 1) that leaves every phase long enough for a trip and a recovery.</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromSeconds(20);

    public const double MinimumSpeed = 0.25;

    public const double MaximumSpeed = 20;

    /// <summary>Gets the scenario's length at speed 1; it runs for <see cref="Duration"/> / <see cref="Speed"/>.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how many times faster than real time everything runs: phases, upstream latencies, breaker timings.</summary>
    public double Speed { get; init; } = 1;

    public int Clients { get; init; } = 8;

    public string OutPath { get; init; } = "breaker-timeline.png";

    public bool Serve { get; init; }

    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Gets whether to print plain lines even on a terminal (they are printed anyway when output is redirected).</summary>
    public bool Plain { get; init; }

    public bool Help { get; init; }

    /// <summary>Gets the Redis connection string of the fleet mode (three replicas sharing their breakers); null runs the usual scenario.</summary>
    public string? Fleet { get; init; }

    /// <summary>Gets the scenario's wall-clock length.</summary>
    public TimeSpan WallDuration => Duration / Speed;
}
