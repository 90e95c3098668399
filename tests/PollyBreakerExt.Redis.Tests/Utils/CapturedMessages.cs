using StackExchange.Redis;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>What a fleet publishes on one breaker's channel, heard on an admin connection of its own, so a test can replay it.</summary>
public sealed class CapturedMessages : IAsyncDisposable
{
    private readonly List<byte[]> _messages = [];
    private readonly ConnectionMultiplexer _connection;

    private CapturedMessages(ConnectionMultiplexer connection) => _connection = connection;

    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    public byte[] this[int index]
    {
        get
        {
            lock (_messages)
            {
                return _messages[index];
            }
        }
    }

    public static async Task<CapturedMessages> StartAsync(RedisServer server, string channel)
    {
        var captured = new CapturedMessages(await server.AdminAsync());
        await captured._connection.GetSubscriber().SubscribeAsync(RedisChannel.Sharded(channel), (_, value) =>
        {
            lock (captured._messages)
            {
                captured._messages.Add((byte[])value!);
            }
        });
        return captured;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
