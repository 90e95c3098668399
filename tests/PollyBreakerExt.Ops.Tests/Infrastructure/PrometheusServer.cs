using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>
/// A real <c>prometheus</c> on a free loopback port, scraping one target every second and evaluating the given rule files
/// every second, with its configuration and storage in a temporary folder; killed and the folder deleted on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>What prometheus printed so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<PrometheusServer> StartAsync(string job, Uri target, IEnumerable<string> ruleFiles)
    {
        var binary = ExternalTool.Require("prometheus");
        var directory = Directory.CreateTempSubdirectory("pollybreakerext-prometheus-").FullName;
        var rules = string.Join("\n", ruleFiles.Select(file => $"  - {JsonSerializer.Serialize(file)}"));
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
            {rules}
            scrape_configs:
              - job_name: {job}
                metrics_path: {target.AbsolutePath}metrics
                static_configs:
                  - targets: ["{target.Authority}"]
            """);

        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        for (var attempt = 0; ; attempt++)
        {
            Assert.False(process.HasExited, $"prometheus exited at startup:\n{server.Log}");
            try
            {
                using var ready = await server.Http.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (attempt < 300)
            {
            }

            Assert.True(attempt < 300, $"prometheus was not ready within 30 s:\n{server.Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>An instant query (<c>/api/v1/query</c>); fails the test on an error status, with Prometheus' message.</summary>
    public async Task<JsonElement> QueryAsync(string promql)
        => await GetDataAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}", promql);

    /// <summary>The values of <paramref name="label"/> over the series that <paramref name="match"/> selects.</summary>
    public async Task<JsonElement> LabelValuesAsync(string label, string match)
        => await GetDataAsync($"api/v1/label/{Uri.EscapeDataString(label)}/values?match[]={Uri.EscapeDataString(match)}", match);

    /// <summary>Every alert pending or firing now (<c>/api/v1/alerts</c>).</summary>
    public async Task<JsonElement> AlertsAsync() => (await GetDataAsync("api/v1/alerts", "alerts")).GetProperty("alerts");

    /// <summary>The loaded rule groups (<c>/api/v1/rules</c>), with each rule's health and last error.</summary>
    public async Task<JsonElement> RulesAsync() => (await GetDataAsync("api/v1/rules", "rules")).GetProperty("groups");

    public async Task<JsonElement> TargetsAsync() => (await GetDataAsync("api/v1/targets", "targets")).GetProperty("activeTargets");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<JsonElement> GetDataAsync(string path, string what)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.True(
            response.IsSuccessStatusCode && root.GetProperty("status").GetString() == "success",
            $"Prometheus answered {(int)response.StatusCode} for {what}: {body}");
        return root.GetProperty("data").Clone();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
