using System.Diagnostics.Metrics;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// Reads the fleet's message counter (<c>resilience.circuit_breaker.fleet.messages</c>) by replica and direction,
/// from every fleet's instrument (each fleet has its own meter of that name).
/// </summary>
public sealed class FleetMessages : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string? Replica, string? Direction, long Value)> _measurements = [];

    public FleetMessages()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "PollyBreakerExt" && instrument.Name == "resilience.circuit_breaker.fleet.messages")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? replica = null, direction = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "fleet.replica")
                {
                    replica = tag.Value as string;
                }
                else if (tag.Key == "fleet.direction")
                {
                    direction = tag.Value as string;
                }
            }

            lock (_measurements)
            {
                _measurements.Add((replica, direction, value));
            }
        });
        _listener.Start();
    }

    public long Count(RedisCircuitBreakerFleet fleet, string direction)
    {
        lock (_measurements)
        {
            return _measurements.Where(m => m.Replica == fleet.ReplicaId && m.Direction == direction).Sum(m => m.Value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
