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
    private byte[]? _holdMarker;
    private TaskCompletionSource? _replyHeld;
    private TaskCompletionSource _replyGate = Flowing();

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

    /// <summary>
    /// Holds back Redis' reply to the next request that contains <paramref name="marker"/> (and everything after it on that
    /// connection) until <see cref="ReleaseReply"/>; the request itself reaches Redis at once. The returned task completes
    /// once such a request has been forwarded, so Redis has it, and its reply is being held.
    /// </summary>
    public Task HoldReplyTo(string marker)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _replyHeld = held;
        Volatile.Write(ref _holdMarker, System.Text.Encoding.UTF8.GetBytes(marker));
        return held.Task;
    }

    /// <summary>Forwards the reply held by <see cref="HoldReplyTo"/>, and what followed it.</summary>
    public void ReleaseReply() => _replyGate.TrySetResult();

    /// <summary>Ends a cut, a black hole and a delay: what was held is forwarded now.</summary>
    public void Heal()
    {
        _cut = false;
        Interlocked.Exchange(ref _delayTicks, 0);
        _flowing.TrySetResult();
        ReleaseReply();
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

            var replies = new ReplyGate();
            _ = PumpAsync(client, server, requests: replies);
            _ = PumpAsync(server, client, replies: replies);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, ReplyGate? requests = null, ReplyGate? replies = null)
    {
        // Read and written apart, so a delay holds each chunk for the delay from its arrival (pipelined), not one after another.
        var chunks = System.Threading.Channels.Channel.CreateUnbounded<(byte[] Bytes, long ArrivedAt, TaskCompletionSource? Forwarded)>();
        var writing = WriteAsync(chunks.Reader, to, replies);
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

                if (requests is not null && Volatile.Read(ref _holdMarker) is { } marker
                    && buffer.AsSpan(0, read).IndexOf(marker) >= 0 && Interlocked.CompareExchange(ref _holdMarker, null, marker) == marker)
                {
                    // Closed before the request is forwarded, so the reply cannot slip through.
                    _replyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    requests.Gate = _replyGate.Task;
                    chunks.Writer.TryWrite((buffer[..read], TimeProvider.System.GetTimestamp(), _replyHeld));
                    continue;
                }

                chunks.Writer.TryWrite((buffer[..read], TimeProvider.System.GetTimestamp(), null));
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

    private async Task WriteAsync(System.Threading.Channels.ChannelReader<(byte[] Bytes, long ArrivedAt, TaskCompletionSource? Forwarded)> chunks, TcpClient to, ReplyGate? replies)
    {
        try
        {
            var output = to.GetStream();
            await foreach (var (bytes, arrivedAt, forwarded) in chunks.ReadAllAsync())
            {
                var wait = TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks)) - TimeProvider.System.GetElapsedTime(arrivedAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                await _flowing.Task;
                if (replies is not null)
                {
                    await replies.Gate;
                }

                await output.WriteAsync(bytes);
                forwarded?.TrySetResult();
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>Whether one connection's replies flow (<see cref="HoldReplyTo"/>), shared by its two pumps.</summary>
    private sealed class ReplyGate
    {
        public volatile Task Gate = Task.CompletedTask;
    }
}
