using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>
/// Issue 12's fleet instruments, declared exactly as it will (meter <c>PollyBreakerExt</c>: the observable gauge
/// <c>resilience.circuit_breaker.fleet.connected</c>, no unit, 1 connected / 0 disconnected, tags <c>fleet.replica</c> and
/// <c>fleet.key_prefix</c>; the counter <c>resilience.circuit_breaker.fleet.messages</c>, unit <c>{message}</c>, tags
/// <c>fleet.direction</c> and <c>fleet.replica</c>), until the fleet lands. Any meter provider of the process that
/// subscribes to <c>PollyBreakerExt</c> exports them, so the exporter, not this file, decides their Prometheus names.
/// </summary>
internal sealed class FleetStandIn : IDisposable
{
    public const string KeyPrefix = "pollybreakerext";

    public const string ConnectedReplica = "replica-a";

    public const string DisconnectedReplica = "replica-b";

    private readonly Meter _meter = new("PollyBreakerExt");

    public FleetStandIn()
    {
        _meter.CreateObservableGauge(
            "resilience.circuit_breaker.fleet.connected",
            () => new[]
            {
                new Measurement<int>(1, new TagList { { "fleet.replica", ConnectedReplica }, { "fleet.key_prefix", KeyPrefix } }),
                new Measurement<int>(0, new TagList { { "fleet.replica", DisconnectedReplica }, { "fleet.key_prefix", KeyPrefix } }),
            },
            unit: null,
            description: "Stand-in for the fleet's connection gauge: 1 connected, 0 disconnected.");
        var messages = _meter.CreateCounter<long>("resilience.circuit_breaker.fleet.messages", "{message}", "Stand-in for the fleet's message counter.");
        messages.Add(3, new TagList { { "fleet.direction", "sent" }, { "fleet.replica", ConnectedReplica } });
        messages.Add(2, new TagList { { "fleet.direction", "received" }, { "fleet.replica", ConnectedReplica } });
        messages.Add(1, new TagList { { "fleet.direction", "ignored" }, { "fleet.replica", ConnectedReplica } });
        messages.Add(1, new TagList { { "fleet.direction", "sent" }, { "fleet.replica", DisconnectedReplica } });
    }

    public void Dispose() => _meter.Dispose();
}
