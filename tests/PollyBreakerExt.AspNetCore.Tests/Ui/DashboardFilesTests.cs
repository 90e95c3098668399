using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>The page's three files: embedded, served under the group's path, nothing from elsewhere, a strict policy.</summary>
public sealed partial class DashboardFilesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_page_and_its_files_come_from_this_origin_only_under_a_strict_policy()
    {
        await using var app = await CircuitsApp.StartAsync([new TestBreaker("orders")]);
        long weight = 0;

        foreach (var (path, type) in new[] { ("circuits/ui", "text/html"), ("circuits/ui/dashboard.js", "text/javascript"), ("circuits/ui/dashboard.css", "text/css") })
        {
            using var response = await app.Client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            weight += body.Length;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.DoesNotMatch(ExternalUrl(), System.Text.Encoding.UTF8.GetString(body)); // no CDN, works offline
        }

        output.WriteLine($"page weight: {weight} bytes (HTML + JS + CSS, uncompressed)");
        Assert.InRange(weight, 1, 32 * 1024); // small and plain: no framework came in
    }

    [Fact]
    public async Task The_page_points_at_its_files_and_stream_under_any_path_it_is_mapped_at()
    {
        await using var app = await CircuitsApp.StartAsync(
            [new TestBreaker("orders")],
            map: web => Microsoft.AspNetCore.Builder.SlowCallCircuitBreakerEndpointRouteBuilderExtensions.MapSlowCallCircuitBreakers(web, "/ops/team a/breakers"));

        var html = await app.Client.GetStringAsync("ops/team%20a/breakers/ui/");
        using var script = await app.Client.GetAsync("ops/team%20a/breakers/ui/dashboard.js");

        Assert.Contains("data-base=\"/ops/team a/breakers\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/ops/team a/breakers/ui/dashboard.css\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task The_pages_first_response_carries_a_snapshot_of_every_breaker_and_the_charts_history()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var orders = new TestBreaker("orders");
        var odd = new TestBreaker("inventory", Strategy: "</script><b>{{snapshot}}</b>"); // must stay text inside its data block
        await using var app = await CircuitsApp.StartAsync([orders, odd], time);
        await app.AdvanceSecondsAsync(time, 2);
        app.Trip(orders);

        var html = await app.Client.GetStringAsync("circuits/ui");

        using var snapshot = JsonDocument.Parse(DataBlock(html, "first-snapshot"));
        Assert.Equal(time.GetUtcNow(), snapshot.RootElement.GetProperty("now").GetDateTimeOffset());
        var breakers = snapshot.RootElement.GetProperty("breakers").EnumerateArray().ToList();
        Assert.Equal([orders.Key, odd.Key], breakers.Select(breaker => breaker.GetProperty("key").GetString()));
        Assert.Equal(["Open", "Closed"], breakers.Select(breaker => breaker.GetProperty("state").GetString()));
        using var history = JsonDocument.Parse(DataBlock(html, "first-history"));
        Assert.Equal(2, history.RootElement.GetProperty("samples").GetProperty(orders.Key).GetArrayLength()); // one a second
        Assert.DoesNotContain("</script><b>", html, StringComparison.Ordinal);
    }

    private static string DataBlock(string html, string id)
        => Assert.Single(Regex.Matches(html, $"<script type=\"application/json\" id=\"{id}\">(.*?)</script>", RegexOptions.Singleline)).Groups[1].Value;

    [GeneratedRegex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();
}
