using System.Diagnostics;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>
/// Runs Prometheus' own binaries. A missing binary fails the test with the Debian package to install: the tests never
/// skip because a tool is absent (<c>.ci/run</c> installs it).
/// </summary>
internal static class ExternalTool
{
    public const string Package = "prometheus";

    /// <summary>The full path of <paramref name="command"/> on PATH, or a failed assertion naming the package that brings it.</summary>
    public static string Require(string command)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
        Assert.True(
            path is not null,
            $"'{command}' is not installed: install the Debian package '{Package}' (apt-get install {Package}), which brings prometheus and promtool; .ci/run does it when it is missing.");
        return path!;
    }

    /// <summary>Runs <paramref name="command"/> to its end (at most <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string command, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Require(command))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{command} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}.");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
