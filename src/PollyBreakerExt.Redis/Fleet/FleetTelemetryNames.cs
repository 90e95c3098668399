namespace PollyBreakerExt;

/// <summary>Every name the fleet's metrics publish, in one place (an alert is written against them: do not rename).</summary>
internal static class FleetTelemetryNames
{
    /// <summary>The library's meter, the one the Extensions package publishes the breakers' metrics on.</summary>
    public const string MeterName = "PollyBreakerExt";

    /// <summary>The category of the fleet's logs.</summary>
    public const string LoggerCategory = "PollyBreakerExt.Fleet";

    /// <summary>Observable gauge: 1 while the fleet is connected to Redis and synchronized, 0 otherwise.</summary>
    public const string Connected = "resilience.circuit_breaker.fleet.connected";

    /// <summary>Counter of fleet messages, by <see cref="DirectionTag"/>.</summary>
    public const string Messages = "resilience.circuit_breaker.fleet.messages";

    public const string UnitMessages = "{message}";

    public const string ReplicaTag = "fleet.replica";

    public const string KeyPrefixTag = "fleet.key_prefix";

    public const string DirectionTag = "fleet.direction";

    public const string Sent = "sent";

    public const string Received = "received";

    public const string Ignored = "ignored";
}
