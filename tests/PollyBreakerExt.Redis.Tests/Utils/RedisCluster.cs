using System.Diagnostics;
using System.Globalization;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// A real Redis Cluster of six <c>redis-server</c> processes on free loopback ports (three masters, each with one
/// replica), made by <c>redis-cli --cluster create</c>; a master can be killed, and its replica is promoted.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    /// <summary>How long a node may be unreachable before the cluster fails it over (cluster-node-timeout).</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("pollybreakerext-cluster-").FullName;
    private readonly Dictionary<int, Process> _nodes = [];

    private RedisCluster()
    {
    }

    public IReadOnlyCollection<int> Ports => _nodes.Keys;

    /// <summary>Gets a StackExchange.Redis configuration string naming every node, with the same timeouts as a single server's.</summary>
    public string ConnectionString => string.Join(",", _nodes.Keys.Select(port => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")))
        + ",abortConnect=false,connectTimeout=1000,syncTimeout=2000,asyncTimeout=2000,keepAlive=1,connectRetry=1";

    /// <summary>
    /// Starts a cluster on fresh ports. A port chosen free can still be taken by another process before its node binds it
    /// (that node then exits and the creation fails): such an attempt is thrown away and made again on other ports, at
    /// most three times, and the last attempt's <c>redis-cli</c> output is in the error.
    /// </summary>
    public static async Task<RedisCluster> StartAsync()
    {
        var server = RedisServer.FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server was not found on PATH: install the Debian package 'redis-server'; .ci/run does this.");
        var cli = RedisServer.FindOnPath("redis-cli")
            ?? throw new InvalidOperationException("redis-cli was not found on PATH: install the Debian package 'redis-tools'; .ci/run does this.");
        for (var attempt = 1; ; attempt++)
        {
            var cluster = new RedisCluster();
            try
            {
                await cluster.CreateAsync(server, cli);
                return cluster;
            }
            catch (ClusterNotCreatedException) when (attempt < 3)
            {
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>A connection of the test's own to the cluster, for inspecting it.</summary>
    public async Task<ConnectionMultiplexer> AdminAsync() => await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");

    /// <summary>The port of the master that serves <paramref name="key"/>'s slot now.</summary>
    public async Task<int> MasterOfAsync(RedisKey key)
    {
        await using var admin = await AdminAsync();
        var endpoint = admin.GetDatabase().IdentifyEndpoint(key) ?? throw new InvalidOperationException("No node serves the key.");
        return ((System.Net.IPEndPoint)endpoint).Port;
    }

    /// <summary>The port of the replica of the master on <paramref name="masterPort"/>.</summary>
    /// <remarks>
    /// Asked of the replicas, which know their master once synchronized (<see cref="CreateAsync"/> waits for that): the
    /// master's own table of the cluster may not list its replica yet.
    /// </remarks>
    public async Task<int> ReplicaOfAsync(int masterPort)
    {
        await using var admin = await AdminAsync();
        foreach (var port in _nodes.Keys.Where(port => port != masterPort))
        {
            var info = (string)(await admin.GetServer("127.0.0.1", port).ExecuteAsync("INFO", "replication"))!;
            if (info.Contains("role:slave", StringComparison.Ordinal)
                && info.Contains(string.Create(CultureInfo.InvariantCulture, $"master_port:{masterPort}\r\n"), StringComparison.Ordinal))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No node is a replica of {masterPort}.");
    }

    /// <summary>Stops a node (SIGSTOP), as a machine too busy to run it would, until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync(int port) => SignalAsync(port, "STOP");

    /// <summary>Lets a paused node run again (SIGCONT).</summary>
    public Task ResumeAsync(int port) => SignalAsync(port, "CONT");

    /// <summary>Kills a node as a crash would.</summary>
    public async Task KillAsync(int port)
    {
        var process = _nodes[port];
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Waits until the surviving nodes report the cluster healthy again (a replica promoted in a dead master's place).</summary>
    public async Task WaitHealedAsync()
    {
        foreach (var port in _nodes.Where(node => !node.Value.HasExited).Select(node => node.Key))
        {
            await WaitAsync(port, info => info.Contains("cluster_state:ok", StringComparison.Ordinal), "reports cluster_state:ok again", NodeTimeout * 30);
        }
    }

    private async Task CreateAsync(string server, string cli)
    {
        // The cluster bus port is set apart (--cluster-port): by default it is the port + 10,000, which no one checked was
        // free, and which does not exist above 55,535.
        var ports = RedisServer.FreePorts(12);
        for (var i = 0; i < 6; i++)
        {
            var (port, busPort) = (ports[i], ports[i + 6]);
            var directory = Directory.CreateDirectory(Path.Combine(_directory, port.ToString(CultureInfo.InvariantCulture))).FullName;
            _nodes[port] = Run(server, directory, "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-port", busPort.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", ((long)NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        foreach (var port in _nodes.Keys)
        {
            await WaitAsync(port, _ => true, "answers");
        }

        var output = new System.Text.StringBuilder();
        using (var create = Run(cli, _directory, output, ["--cluster", "create", .. _nodes.Keys.Select(port => $"127.0.0.1:{port}"), "--cluster-replicas", "1", "--cluster-yes"]))
        {
            await create.WaitForExitAsync();
            if (create.ExitCode != 0)
            {
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new ClusterNotCreatedException($"redis-cli --cluster create exited with {create.ExitCode}:{Environment.NewLine}{text}");
            }
        }

        foreach (var port in _nodes.Keys)
        {
            await WaitAsync(port, info => info.Contains("cluster_state:ok", StringComparison.Ordinal), "reports cluster_state:ok");
        }

        // A replica that never synchronized with its master is not promoted when the master dies: wait for every link.
        foreach (var port in _nodes.Keys)
        {
            await WaitAsync(port, info => !info.Contains("role:slave", StringComparison.Ordinal) || info.Contains("master_link_status:up", StringComparison.Ordinal), "synchronizes with its master", section: "replication");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var port in _nodes.Keys)
        {
            await KillAsync(port);
            _nodes[port].Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Starts <paramref name="executable"/> in <paramref name="directory"/>, its output read and dropped (so it never blocks on a full pipe).</summary>
    internal static Process Run(string executable, string directory, params string[] arguments) => Run(executable, directory, output: null, arguments);

    /// <summary>Starts <paramref name="executable"/> in <paramref name="directory"/>, its output appended to <paramref name="output"/> (locked) when given.</summary>
    internal static Process Run(string executable, string directory, System.Text.StringBuilder? output, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        DataReceivedEventHandler keep = (_, line) =>
        {
            if (output is not null && line.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(line.Data);
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitAsync(int port, Func<string, bool> condition, string what, TimeSpan? timeout = null, string? section = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                await using var node = await ConnectionMultiplexer.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port},connectTimeout=1000,allowAdmin=true"));
                var server = node.GetServer("127.0.0.1", port);
                var info = (string)(await (section is null ? server.ExecuteAsync("CLUSTER", "INFO") : server.ExecuteAsync("INFO", section)))!;
                if (condition(info))
                {
                    return;
                }
            }
            catch (RedisException)
            {
            }

            if (TimeProvider.System.GetElapsedTime(started) > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"Cluster node {port} never {what}.");
            }

            await Task.Delay(100);
        }
    }

    private async Task SignalAsync(int port, string signal)
    {
        using var kill = Run("/bin/sh", _directory, "-c", string.Create(CultureInfo.InvariantCulture, $"kill -{signal} {_nodes[port].Id}"));
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} of cluster node {port} exited with {kill.ExitCode}.");
        }
    }

    /// <summary><c>redis-cli --cluster create</c> failed; the attempt may be made again on other ports.</summary>
    private sealed class ClusterNotCreatedException(string message) : Exception(message);
}
