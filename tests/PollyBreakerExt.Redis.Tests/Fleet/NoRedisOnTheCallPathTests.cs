using Xunit.Abstractions;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F1: closed calls and rejections issue no Redis command (counted by the server itself).</summary>
public sealed class NoRedisOnTheCallPathTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private RedisServer _server = null!;

    public NoRedisOnTheCallPathTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Ten_thousand_calls_and_ten_thousand_rejections_add_no_commands()
    {
        var replicas = await Replica.StartManyAsync(_server, 3);
        await using var r0 = replicas[0];
        await using var r1 = replicas[1];
        await using var r2 = replicas[2];
        var breakers = replicas.Select(replica => replica.Breaker("payments", TimeSpan.FromMinutes(5))).ToArray();
        await using var admin = await _server.AdminAsync();
        await Task.Delay(300); // the joins' reads are done

        var beforeCalls = await RedisServer.CommandsProcessedAsync(admin);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(42, breakers[i % 3].Succeed().Result);
        }

        var afterCalls = await RedisServer.CommandsProcessedAsync(admin);

        breakers[0].Fail();
        foreach (var breaker in breakers)
        {
            await Eventually.HoldsAsync(() => breaker.State == CircuitState.Open, "every replica opens");
        }

        await Task.Delay(300); // the trip's scripts are done
        var beforeRejections = await RedisServer.CommandsProcessedAsync(admin);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.IsType<BrokenCircuitException>(breakers[i % 3].Succeed().Exception);
        }

        var afterRejections = await RedisServer.CommandsProcessedAsync(admin);

        _output.WriteLine($"commands during 10,000 closed calls: {afterCalls - beforeCalls}; during 10,000 rejections: {afterRejections - beforeRejections} (the INFO itself and the fleets' heartbeats included)");

        // One command is the INFO itself; the clients' idle keep-alive pings and the fleets' heartbeats (one PING a second
        // each) may add a few, never one per call.
        Assert.InRange(afterCalls - beforeCalls, 1, 25);
        Assert.InRange(afterRejections - beforeRejections, 1, 25);
    }
}
