namespace PollyBreakerExt.Demo.Upstream;

/// <summary>What the upstream does with one request, after <see cref="Latency"/>.</summary>
public readonly record struct UpstreamAnswer(UpstreamAnswerKind Kind, TimeSpan Latency);
