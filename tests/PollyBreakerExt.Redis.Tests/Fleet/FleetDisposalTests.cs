namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>A fleet disposed before its own connection is made leaves nothing behind once the connection arrives.</summary>
public sealed class FleetDisposalTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_connection_that_arrives_after_disposal_is_disposed_and_never_subscribed()
    {
        var connecting = new TaskCompletionSource<IConnectionMultiplexer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fleet = new RedisCircuitBreakerFleet(
            connecting.Task, new RedisCircuitBreakerFleetOptions { KeyPrefix = "late" }, ownsConnection: true, loggerFactory: null, timeProvider: null);
        await fleet.DisposeAsync();

        var connection = await _server.ConnectAsync();
        connecting.SetResult(connection);

        await Eventually.HoldsAsync(() => !connection.IsConnected, "the fleet disposes the connection it owns");
        await using var admin = await _server.AdminAsync();
        var subscribers = (RedisResult[])(await admin.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "late:events"))!;
        Assert.Equal(0L, (long)subscribers[1]);
        Assert.False(fleet.IsConnected);
    }
}
