using System.Net;
using System.Net.Sockets;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// A loopback TCP forwarder in front of a server, so one replica can be partitioned from Redis while the others keep it:
/// cut (connections dropped, new ones refused), black-holed (connections accepted and kept, nothing forwarded either
/// way, so nothing is ever answered) or delayed (every chunk forwarded late); healed, it forwards again at once.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile TaskCompletionSource _flowing = Flowing();
    private long _delayTicks;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every forwarded connection; new ones are closed as soon as they are accepted, until <see cref="Heal"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    /// <summary>Keeps every connection open and accepts new ones, but forwards nothing either way until <see cref="Heal"/>.</summary>
    public void BlackHole()
    {
        if (_flowing.Task.IsCompleted)
        {
            _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Forwards every chunk, either way, <paramref name="delay"/> after it arrived (in order), until <see cref="Heal"/>.</summary>
    public void Delay(TimeSpan delay) => Interlocked.Exchange(ref _delayTicks, delay.Ticks);

    /// <summary>Ends a cut, a black hole and a delay: what was held is forwarded now.</summary>
    public void Heal()
    {
        _cut = false;
        Interlocked.Exchange(ref _delayTicks, 0);
        _flowing.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Heal();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            if (_cut)
            {
                client.Dispose();
                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        // Read and written apart, so a delay holds each chunk for the delay from its arrival (pipelined), not one after another.
        var chunks = System.Threading.Channels.Channel.CreateUnbounded<(byte[] Bytes, long ArrivedAt)>();
        var writing = WriteAsync(chunks.Reader, to);
        var buffer = new byte[16 * 1024];
        try
        {
            var input = from.GetStream();
            while (true)
            {
                // Held before reading: a black hole reads nothing, so the sender's buffers fill as on a dead network.
                await _flowing.Task;
                var read = await input.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                chunks.Writer.TryWrite((buffer[..read], TimeProvider.System.GetTimestamp()));
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            chunks.Writer.TryComplete();
            await writing;
            from.Dispose();
            to.Dispose();
        }
    }

    private async Task WriteAsync(System.Threading.Channels.ChannelReader<(byte[] Bytes, long ArrivedAt)> chunks, TcpClient to)
    {
        try
        {
            var output = to.GetStream();
            await foreach (var (bytes, arrivedAt) in chunks.ReadAllAsync())
            {
                var wait = TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks)) - TimeProvider.System.GetElapsedTime(arrivedAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                await _flowing.Task;
                await output.WriteAsync(bytes);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
