using System.Diagnostics;
using System.Globalization;

namespace PollyBreakerExt.Redis.Tests.Processes;

/// <summary>A replica in its own OS process: tests/PollyBreakerExt.Redis.Replica, driven over stdin and stdout.</summary>
public sealed class ConsoleReplica : IDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;

    private ConsoleReplica(Process process) => _process = process;

    /// <summary>Gets the fleet's replica id, as the process printed it when ready.</summary>
    public string ReplicaId { get; private set; } = "";

    public static async Task<ConsoleReplica> StartAsync(RedisServer server, string breakerKey, int breakMilliseconds = 30_000, int probeLeaseMilliseconds = 30_000, int quorum = 1, string keyPrefix = "test")
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "PollyBreakerExt.Redis.Replica.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                assembly, server.ConnectionString, keyPrefix, breakerKey,
                breakMilliseconds.ToString(CultureInfo.InvariantCulture), probeLeaseMilliseconds.ToString(CultureInfo.InvariantCulture),
                quorum.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var replica = new ConsoleReplica(Process.Start(start)!);
        var ready = await replica.ReadLineAsync();
        Assert.StartsWith("ready ", ready, StringComparison.Ordinal);
        replica.ReplicaId = ready["ready ".Length..];
        return replica;
    }

    public void Send(string command) => _process.StandardInput.WriteLine(command);

    /// <summary>Sends a command and returns the first line that answers it (an outcome or a state), skipping transitions.</summary>
    public async Task<string> SendAsync(string command)
    {
        Send(command);
        while (true)
        {
            var line = await ReadLineAsync();
            if (!line.StartsWith("transition ", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    /// <summary>Reads lines the replica prints until <paramref name="expected"/>; fails if it does not come.</summary>
    public async Task WaitForLineAsync(string expected)
    {
        var seen = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line == expected)
            {
                return;
            }

            seen.Add(line);
            Assert.True(seen.Count < 100, $"The replica never printed '{expected}': {string.Join(" | ", seen)}");
        }
    }

    /// <summary>Reads the next line the replica printed (a transition, an outcome, a state).</summary>
    public async Task<string> ReadLineAsync()
        => await _process.StandardOutput.ReadLineAsync().WaitAsync(ReadTimeout) ?? throw new InvalidOperationException("The replica process ended.");

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
