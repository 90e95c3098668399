using System.Diagnostics.Metrics;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F8: the fleet's instruments on the <c>PollyBreakerExt</c> meter, exactly as the alerts name them.</summary>
public sealed class FleetTelemetryTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_connected_gauge_is_one_while_connected_and_zero_while_Redis_is_down_tagged_with_replica_and_prefix()
    {
        await using var replica = await Replica.StartAsync(_server, options => options.ReplicaId = "replica-a", prefix: "shop");

        Assert.Equal((1, "shop", null), ReadConnected("replica-a"));

        await _server.StopAsync();
        await Eventually.HoldsAsync(() => !replica.Fleet.IsConnected, "the fleet notices");
        Assert.Equal(0, ReadConnected("replica-a").Value);
    }

    [Fact]
    public async Task Messages_are_counted_sent_and_received_with_unit_message()
    {
        using var messages = new FleetMessages();
        await using var r0 = await Replica.StartAsync(_server);
        await using var r1 = await Replica.StartAsync(_server);
        var b0 = r0.Breaker("payments", TimeSpan.FromSeconds(30));
        r1.Breaker("payments", TimeSpan.FromSeconds(30));
        await r1.Fleet.DrainAsync(); // joined: subscribed to the breaker's channel, so the open is heard, not read

        b0.Fail();

        await Eventually.HoldsAsync(() => messages.Count(r1.Fleet, "received") == 1, "the other replica received the open");
        await Eventually.HoldsAsync(() => messages.Count(r0.Fleet, "sent") == 1, "the tripping replica sent it");
        var units = new List<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "PollyBreakerExt" && instrument.Name == "resilience.circuit_breaker.fleet.messages")
                {
                    units.Add(instrument.Unit);
                }
            },
        };
        listener.Start();
        Assert.NotEmpty(units);
        Assert.All(units, unit => Assert.Equal("{message}", unit));
    }

    private static (int Value, string? KeyPrefix, string? Unit) ReadConnected(string replicaId)
    {
        (int, string?, string?) read = (-1, null, null);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "PollyBreakerExt" && instrument.Name == "resilience.circuit_breaker.fleet.connected")
                {
                    listener.EnableMeasurementEvents(instrument, instrument.Unit);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            var byName = tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value);
            if (Equals(byName["fleet.replica"], replicaId))
            {
                read = (value, byName["fleet.key_prefix"] as string, instrument.Unit);
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return read;
    }
}
