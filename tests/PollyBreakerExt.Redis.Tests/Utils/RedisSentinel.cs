using System.Diagnostics;
using System.Globalization;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// One master, one replica and one Sentinel (<c>redis-server … --sentinel</c>), real processes on free loopback ports;
/// the master can be killed, and Sentinel promotes the replica.
/// </summary>
public sealed class RedisSentinel : IAsyncDisposable
{
    public const string ServiceName = "fleetmaster";

    /// <summary>How long Sentinel waits before it takes a silent master for down (down-after-milliseconds).</summary>
    public static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("pollybreakerext-sentinel-").FullName;
    private readonly List<Process> _processes = [];

    private RedisSentinel()
    {
    }

    public int MasterPort { get; private set; }

    public int ReplicaPort { get; private set; }

    public int SentinelPort { get; private set; }

    /// <summary>Gets a StackExchange.Redis configuration string that reaches the master through Sentinel.</summary>
    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"127.0.0.1:{SentinelPort},serviceName={ServiceName},abortConnect=false,connectTimeout=1000,syncTimeout=2000,asyncTimeout=2000,keepAlive=1,connectRetry=1");

    public static async Task<RedisSentinel> StartAsync()
    {
        var executable = RedisServer.FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server was not found on PATH: install the Debian package 'redis-server'; .ci/run does this.");
        var sentinel = new RedisSentinel();
        try
        {
            var ports = RedisServer.FreePorts(3);
            (sentinel.MasterPort, sentinel.ReplicaPort, sentinel.SentinelPort) = (ports[0], ports[1], ports[2]);
            string[] common = ["--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--repl-diskless-sync-delay", "0"];
            sentinel.Start(executable, ["--port", Port(sentinel.MasterPort), .. common]);
            sentinel.Start(executable, ["--port", Port(sentinel.ReplicaPort), "--replicaof", "127.0.0.1", Port(sentinel.MasterPort), .. common]);
            await WaitAsync(sentinel.ReplicaPort, info => info.Contains("master_link_status:up", StringComparison.Ordinal), "synchronizes with the master");

            var configuration = Path.Combine(sentinel._directory, "sentinel.conf");
            await File.WriteAllTextAsync(configuration, string.Create(CultureInfo.InvariantCulture, $"""
                port {sentinel.SentinelPort}
                bind 127.0.0.1
                dir {sentinel._directory}
                sentinel monitor {ServiceName} 127.0.0.1 {sentinel.MasterPort} 1
                sentinel down-after-milliseconds {ServiceName} {(long)DownAfter.TotalMilliseconds}
                sentinel failover-timeout {ServiceName} 10000
                """));
            sentinel.Start(executable, [configuration, "--sentinel"]);
            await WaitAsync(sentinel.SentinelPort, info => info.Contains("status=ok", StringComparison.Ordinal) && info.Contains("slaves=1", StringComparison.Ordinal), "monitors the master and its replica", "sentinel");
            return sentinel;
        }
        catch
        {
            await sentinel.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the master as a crash would.</summary>
    public async Task KillMasterAsync()
    {
        var master = _processes[0];
        master.Kill();
        await master.WaitForExitAsync();
    }

    /// <summary>Waits until the replica has every write the master made so far (so a failover loses none).</summary>
    public async Task WaitReplicatedAsync()
    {
        await using var master = await ConnectionMultiplexer.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{MasterPort},allowAdmin=true"));
        var replicated = (long)(await master.GetServer("127.0.0.1", MasterPort).ExecuteAsync("WAIT", 1, 5000))!;
        if (replicated < 1)
        {
            throw new TimeoutException("The replica did not acknowledge the master's writes.");
        }
    }

    /// <summary>Waits until Sentinel names the former replica as the master.</summary>
    public async Task WaitFailedOverAsync(TimeSpan timeout)
        => await WaitAsync(SentinelPort, info => info.Contains(string.Create(CultureInfo.InvariantCulture, $"address=127.0.0.1:{ReplicaPort}"), StringComparison.Ordinal), "fails over to the replica", "sentinel", timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitAsync(int port, Func<string, bool> condition, string what, string section = "replication", TimeSpan? timeout = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            // redis-cli, not the client: a Sentinel speaks only Sentinel's few commands, which StackExchange.Redis maps apart.
            using (var cli = Process.Start(new ProcessStartInfo(RedisServer.FindOnPath("redis-cli")
                ?? throw new InvalidOperationException("redis-cli was not found on PATH: install the Debian package 'redis-tools'; .ci/run does this."))
            {
                ArgumentList = { "-p", Port(port), "INFO", section },
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!)
            {
                var info = await cli.StandardOutput.ReadToEndAsync();
                await cli.WaitForExitAsync();
                if (condition(info))
                {
                    return;
                }
            }

            if (TimeProvider.System.GetElapsedTime(started) > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"Node {port} never {what}.");
            }

            await Task.Delay(100);
        }
    }

    private void Start(string executable, string[] arguments) => _processes.Add(RedisCluster.Run(executable, _directory, arguments));
}
