using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace PollyBreakerExt.Benchmarks.Fleet;

/// <summary>A real <c>redis-server</c> on a free loopback port, without persistence, for the fleet's benchmarks.</summary>
internal sealed class LocalRedis : IDisposable
{
    private readonly Process _process;

    private LocalRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static LocalRedis Start()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("redis-server was not found: install the Debian package 'redis-server'.", exception);
        }

        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var redis = new LocalRedis(process, port);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = redis.Connect();
                probe.GetDatabase().Ping();
                return redis;
            }
            catch (RedisConnectionException) when (attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }

    public ConnectionMultiplexer Connect()
        => ConnectionMultiplexer.Connect(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port},connectTimeout=2000"));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
