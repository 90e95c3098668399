using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// A newcomer pastes README.md's and docs/'s C# blocks into new apps, with only the packages and usings the page names
/// (<see cref="PastedApps"/> says how): every app builds, and the web apps that the pages say to run answer as documented.
/// </summary>
public sealed partial class PastedAppsTests(PastedAppsFixture apps) : IClassFixture<PastedAppsFixture>
{
    private const string OpsKey = "a-long-random-secret-for-the-docs-test";

    [Fact]
    public void Every_page_pasted_into_new_apps_builds()
    {
        Assert.NotEmpty(apps.Apps);
        var failures = apps.Apps
            .Select(app => (app, errors: apps.ErrorsOf(app)))
            .Where(pair => pair.errors.Count > 0)
            .Select(pair => $"{pair.app.Page} pasted into a new {(pair.app.Web ? "web" : "console")} app ({apps.Folder}/{pair.app.Name}, packages: {string.Join(", ", pair.app.Packages)}):\n  "
                + string.Join("\n  ", pair.errors))
            .ToList();

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(apps.BuildExitCode == 0, apps.BuildOutput);
    }

    [Fact]
    public async Task The_readme_web_app_serves_circuits_to_this_machine_and_prometheus_metrics()
    {
        var readme = Assert.Single(apps.Apps, app => app.Page == "README.md" && app.Web);
        Assert.Empty(apps.ErrorsOf(readme));
        // The fleet's Redis: a loopback port nothing listens on (the breakers then work alone), so no traffic leaves the machine.
        await using var running = await RunningApp.StartAsync(apps.AssemblyOf(readme), new Dictionary<string, string> { ["ConnectionStrings__Redis"] = "127.0.0.1:1" });
        using var client = Client(running);

        using var circuits = await client.GetAsync(new Uri("circuits", UriKind.Relative));
        Assert.True(circuits.StatusCode == HttpStatusCode.OK, $"GET /circuits: {circuits.StatusCode}\n{running.Output}");
        using (var list = JsonDocument.Parse(await circuits.Content.ReadAsStringAsync()))
        {
            Assert.Equal(JsonValueKind.Array, list.RootElement.ValueKind);
        }

        using var metrics = await client.GetAsync(new Uri("metrics", UriKind.Relative));
        Assert.True(metrics.StatusCode == HttpStatusCode.OK, $"GET /metrics: {metrics.StatusCode}\n{running.Output}");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.True(text.Length == 0 || text.StartsWith('#'), $"GET /metrics is not Prometheus text:\n{text}");
    }

    [Fact]
    public async Task The_documented_authorization_set_up_refuses_without_the_key_and_answers_the_documented_curl()
    {
        const string page = "docs/operator-endpoints.md";
        var secured = Assert.Single(apps.Apps, app => app.Page == page && app.Program.Contains("RequireAuthorization", StringComparison.Ordinal));
        Assert.Empty(apps.ErrorsOf(secured));
        await using var running = await RunningApp.StartAsync(apps.AssemblyOf(secured), new Dictionary<string, string> { ["Ops__Key"] = OpsKey });
        using var client = Client(running);
        var curls = Curl().Matches(File.ReadAllText(Path.Combine(Repository.Root, page)))
            .Select(match => match.Value)
            .Where(command => command.Contains("X-Ops-Key", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(curls);

        foreach (var curl in curls)
        {
            using var withKey = ToRequest(curl, running.BaseAddress);
            using var answered = await client.SendAsync(withKey);
            Assert.True(answered.IsSuccessStatusCode, $"{curl}: {answered.StatusCode}\n{running.Output}");

            using var withoutKey = ToRequest(curl, running.BaseAddress);
            withoutKey.Headers.Remove("X-Ops-Key");
            using var refused = await client.SendAsync(withoutKey);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    /// <summary>A documented curl command as the request it sends: <c>-X</c>, <c>-H</c>, the URL on the running app.</summary>
    private static HttpRequestMessage ToRequest(string curl, Uri baseAddress)
    {
        var method = CurlMethod().Match(curl) is { Success: true } m ? new HttpMethod(m.Groups["method"].Value) : HttpMethod.Get;
        var url = CurlUrl().Match(curl).Groups["path"].Value;
        var request = new HttpRequestMessage(method, new Uri(baseAddress, url.TrimStart('/')));
        foreach (Match header in CurlHeader().Matches(curl))
        {
            request.Headers.Add(header.Groups["name"].Value, header.Groups["value"].Value.Replace("$OPS_KEY", OpsKey, StringComparison.Ordinal));
        }

        return request;
    }

    private static HttpClient Client(RunningApp running)
        => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = running.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    [GeneratedRegex(@"curl [^`\n]+")]
    private static partial Regex Curl();

    [GeneratedRegex(@"-X (?<method>[A-Z]+)")]
    private static partial Regex CurlMethod();

    [GeneratedRegex(@"-H [""'](?<name>[^:""']+):\s*(?<value>[^""']*)[""']")]
    private static partial Regex CurlHeader();

    [GeneratedRegex(@"https?://[^/\s]+(?<path>/[^\s`'""]*)")]
    private static partial Regex CurlUrl();
}
