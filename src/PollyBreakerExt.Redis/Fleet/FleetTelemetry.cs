using System.Diagnostics.Metrics;

namespace PollyBreakerExt;

/// <summary>One fleet's instruments on the <c>PollyBreakerExt</c> meter (DESIGN W1, F8).</summary>
internal sealed class FleetTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _messages;
    private readonly KeyValuePair<string, object?> _replica;

    public FleetTelemetry(string replicaId, string keyPrefix, Func<bool> isConnected)
    {
        // A meter of its own, so that disposing the fleet retires its gauge; listeners select meters by name.
        _meter = new Meter(FleetTelemetryNames.MeterName);
        _replica = new(FleetTelemetryNames.ReplicaTag, replicaId);
        KeyValuePair<string, object?>[] connectedTags = [_replica, new(FleetTelemetryNames.KeyPrefixTag, keyPrefix)];
        _meter.CreateObservableGauge(
            FleetTelemetryNames.Connected,
            () => new Measurement<int>(isConnected() ? 1 : 0, connectedTags),
            unit: null,
            description: "Whether the circuit-breaker fleet is connected to Redis (1) or working alone (0).");
        _messages = _meter.CreateCounter<long>(
            FleetTelemetryNames.Messages,
            FleetTelemetryNames.UnitMessages,
            "Fleet messages sent, received and ignored (malformed, foreign, replayed, own echo or badly signed).");
    }

    /// <summary>Gets this fleet's meter (for tests: a replica id is reused once its fleet is disposed, the meter never is).</summary>
    public Meter Meter => _meter;

    public void Sent() => Count(FleetTelemetryNames.Sent);

    public void Received() => Count(FleetTelemetryNames.Received);

    public void Ignored() => Count(FleetTelemetryNames.Ignored);

    public void Dispose() => _meter.Dispose();

    private void Count(string direction)
        => _messages.Add(1, new KeyValuePair<string, object?>(FleetTelemetryNames.DirectionTag, direction), _replica);
}
