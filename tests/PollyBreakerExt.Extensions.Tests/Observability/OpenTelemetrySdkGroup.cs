namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// The tests that read the <c>PollyBreakerExt</c> meter through the OpenTelemetry SDK run alone, after the others.
/// </summary>
/// <remarks>
/// The SDK listens to meters by name, so it sees every test's container, each with its own <c>PollyBreakerExt</c> meter,
/// and merges their identical instruments into one stream. When another test disposes its container, its meter's
/// instruments complete and the SDK drops that shared stream, and with it this test's points. One container per
/// process, as in an application, never meets this.
/// </remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenTelemetrySdkGroup
{
    public const string Name = "OpenTelemetry SDK";
}
