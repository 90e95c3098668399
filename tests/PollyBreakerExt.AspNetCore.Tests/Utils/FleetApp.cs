namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>One replica: a <see cref="CircuitsApp"/> whose breakers are in a Redis fleet over a connection of its own.</summary>
internal sealed class FleetApp : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;

    private FleetApp(CircuitsApp app, ConnectionMultiplexer connection)
    {
        App = app;
        _connection = connection;
        Fleet = app.App.Services.GetRequiredService<RedisCircuitBreakerFleet>();
    }

    public CircuitsApp App { get; }

    public RedisCircuitBreakerFleet Fleet { get; }

    public static async Task<FleetApp> StartAsync(RedisServer server, string replicaId, params TestBreaker[] breakers)
    {
        var connection = await server.ConnectAsync();
        var app = await CircuitsApp.StartAsync(
            breakers,
            services: services => services.AddSlowCallCircuitBreakerRedisFleet(connection, options =>
            {
                options.KeyPrefix = "endpoints";
                options.ReplicaId = replicaId;
            }));
        return new FleetApp(app, connection);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
