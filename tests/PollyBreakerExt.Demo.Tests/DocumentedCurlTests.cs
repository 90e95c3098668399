using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PollyBreakerExt.Demo;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Tests;

/// <summary>
/// Every curl command of README.md and docs/ that names a breaker at the demo's <c>/circuits</c> is sent to the demo's
/// API as written, and works: its key is one the demo has.
/// </summary>
public sealed partial class DocumentedCurlTests
{
    [Fact]
    public async Task Every_documented_circuits_curl_works_on_the_demo()
    {
        var commands = DocumentedCommands();
        Assert.NotEmpty(commands); // docs/operator-endpoints.md has some; a test over nothing proves nothing

        var timings = new DemoTimings(speed: 4);
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamBehavior(timings), CancellationToken.None);
        await using var api = ProductApiApp.Build(url: null, upstream.Address, timings, new BreakerTransitionLog(), upstream.Behavior);
        await api.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(api) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("products/1")).StatusCode); // builds the breaker
        var keys = JsonDocument.Parse(await http.GetStringAsync("circuits")).RootElement.EnumerateArray()
            .Select(breaker => breaker.GetProperty("key").GetString()!).ToList();

        foreach (var command in commands)
        {
            Assert.True(keys.Contains(Uri.UnescapeDataString(command.Key)), $"{command.Line}: the demo has no breaker '{Uri.UnescapeDataString(command.Key)}'; it has {string.Join(", ", keys)}");
            using var request = new HttpRequestMessage(command.Method, command.Path);
            foreach (var (name, value) in command.Headers)
            {
                request.Headers.Add(name, value);
            }

            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{command.Line}: answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await api.StopAsync();
    }

    private sealed record Command(string Line, HttpMethod Method, string Path, string Key, IReadOnlyList<(string Name, string Value)> Headers);

    private static List<Command> DocumentedCommands()
    {
        var root = RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        var commands = new List<Command>();
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(file))
            {
                var curl = CircuitsCurl().Match(line);
                if (!curl.Success)
                {
                    continue;
                }

                var headers = Header().Matches(curl.Groups["options"].Value)
                    .Select(header => (header.Groups["name"].Value, header.Groups["value"].Value)).ToList();
                var method = curl.Groups["options"].Value.Contains("-X POST", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;
                commands.Add(new Command($"{Path.GetFileName(file)}: {line.Trim()}", method, curl.Groups["path"].Value, curl.Groups["key"].Value, headers));
            }
        }

        return commands;
    }

    [GeneratedRegex(@"curl (?<options>.*?)http://127\.0\.0\.1:5080/(?<path>circuits/(?<key>[^\s/]+(?:/[^\s/]+)*?)/(?:isolate|close|events))(?:\s|$)")]
    private static partial Regex CircuitsCurl();

    [GeneratedRegex(@"-H '(?<name>[^:']+): (?<value>[^']*)'")]
    private static partial Regex Header();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PollyBreakerExt.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PollyBreakerExt.sln above {AppContext.BaseDirectory}.");
    }
}
