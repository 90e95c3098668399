using System.Diagnostics.Metrics;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// Reads the fleet's message counter (<c>resilience.circuit_breaker.fleet.messages</c>) by fleet and direction, from
/// every fleet's instrument (each fleet has its own meter of that name). By the fleet's meter, not its replica id: a
/// generated id is taken again by the next fleet once its holder is disposed, and test classes run in parallel.
/// </summary>
public sealed class FleetMessages : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(Meter Meter, string? Direction, long Value)> _measurements = [];

    public FleetMessages()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "PollyBreakerExt" && instrument.Name == "resilience.circuit_breaker.fleet.messages")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? direction = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "fleet.direction")
                {
                    direction = tag.Value as string;
                }
            }

            lock (_measurements)
            {
                _measurements.Add((instrument.Meter, direction, value));
            }
        });
        _listener.Start();
    }

    public long Count(RedisCircuitBreakerFleet fleet, string direction)
    {
        lock (_measurements)
        {
            return _measurements.Where(m => m.Meter == fleet.Meter && m.Direction == direction).Sum(m => m.Value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
