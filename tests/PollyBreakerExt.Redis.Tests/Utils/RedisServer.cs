using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a temporary directory, without persistence; the fault tests
/// stop, pause and restart it on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pollybreakerext-redis-").FullName;
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>Gets a StackExchange.Redis configuration string for this server, with short timeouts and fast reconnects.</summary>
    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>Gets the same configuration string for another port (a proxy in front of this server).</summary>
    public static string ConnectionStringFor(int port) => string.Create(
        CultureInfo.InvariantCulture,
        $"127.0.0.1:{port},abortConnect=false,connectTimeout=1000,syncTimeout=2000,asyncTimeout=2000,keepAlive=1,connectRetry=1");

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port, empty.</summary>
    public async Task RestartAsync()
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server was not found on PATH: install the Debian package 'redis-server' (apt-get install -y redis-server); .ci/run does this.");
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", _directory, "--protected-mode", "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                await using var admin = await AdminAsync();
                await admin.GetDatabase().PingAsync();
                return;
            }
            catch (RedisException) when (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server (as a crash would): connections drop, state is lost.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Pauses every client's commands for <paramref name="duration"/> (<c>CLIENT PAUSE … ALL</c>): connections stay up, nothing answers.</summary>
    public async Task PauseAsync(TimeSpan duration)
    {
        await using var admin = await AdminAsync();
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", (long)duration.TotalMilliseconds, "ALL");
    }

    /// <summary>Gets <c>total_commands_processed</c> from <c>INFO stats</c> (this query itself included), over <paramref name="admin"/>.</summary>
    public static async Task<long> CommandsProcessedAsync(IConnectionMultiplexer admin)
    {
        var info = (string)(await admin.GetDatabase().ExecuteAsync("INFO", "stats"))!;
        var line = info.Split('\n').Single(line => line.StartsWith("total_commands_processed:", StringComparison.Ordinal));
        return long.Parse(line["total_commands_processed:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Gets Redis' clock (<c>TIME</c>) in Unix milliseconds, over <paramref name="admin"/>.</summary>
    public static async Task<long> TimeAsync(IConnectionMultiplexer admin)
    {
        var time = (RedisResult[])(await admin.GetDatabase().ExecuteAsync("TIME"))!;
        return (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)time[1]!, CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>Publishes raw bytes on a breaker's sharded channel (<c>prefix:events:{key}</c>), as anyone who can reach Redis could.</summary>
    public async Task PublishAsync(string channel, byte[] message)
    {
        await using var admin = await AdminAsync();
        await admin.GetSubscriber().PublishAsync(RedisChannel.Sharded(channel), message);
    }

    /// <summary>A connection of the test's own (not a replica's), for inspecting and tampering with Redis.</summary>
    public async Task<ConnectionMultiplexer> AdminAsync()
        => await ConnectionMultiplexer.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port},connectTimeout=1000,allowAdmin=true"));

    /// <summary>A replica's connection, as the application would make it.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync() => await ConnectionMultiplexer.ConnectAsync(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static int FreePort() => FreePorts(1)[0];

    /// <summary>
    /// <paramref name="count"/> distinct free loopback ports. Every listener is held until all are chosen: a port
    /// released at once can be handed out again by the next call, and two servers given one port lose one of them.
    /// </summary>
    internal static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    private static string? FindExecutable() => FindOnPath("redis-server");

    /// <summary>An executable on PATH, or <see langword="null"/>.</summary>
    internal static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
