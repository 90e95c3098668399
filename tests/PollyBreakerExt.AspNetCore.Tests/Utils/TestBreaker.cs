namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>A breaker the test app registers: a pipeline of one slow-call breaker that trips on its first failure.</summary>
public sealed record TestBreaker(string Pipeline, string? Instance = null, string Strategy = "breaker")
{
    /// <summary>Gets or sets how the breaker is configured, when not to trip on its first failure.</summary>
    public Action<SlowCallCircuitBreakerStrategyOptions>? Configure { get; init; }

    /// <summary>Gets its breaker key, as the endpoints name it.</summary>
    public string Key => string.Join('/', new[] { Pipeline, Instance, Strategy }.Where(part => !string.IsNullOrEmpty(part)));

    /// <summary>Gets its key as it goes into a URL.</summary>
    public string EncodedKey => Uri.EscapeDataString(Key);
}
