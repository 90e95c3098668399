using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>
/// Issue 21: behind a proxy that buffers responses the event stream delivers nothing; the page still shows every breaker
/// at once, says that it is not live, and polls the JSON list so that a trip still shows.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed partial class DashboardBehindBufferingProxyTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");

    [Fact]
    public async Task Behind_a_buffering_proxy_the_page_shows_every_breaker_at_once_and_a_trip_within_five_seconds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await CircuitsApp.StartAsync([Orders, Payments], time);
        await using var proxy = await BufferingProxy.StartAsync(app.Address);

        await using var tab = await DashboardTab.OpenAsync(chromium, proxy.Address, waitUntilLive: false);
        await Expect(tab.Page.Locator("article.card")).ToHaveCountAsync(2, new() { Timeout = 1000 }); // from the page itself
        await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Closed");
        await Expect(tab.Page.Locator("#status")).ToHaveTextAsync(Polling(), new() { Timeout = 10_000 });

        var tripped = TimeProvider.System.GetTimestamp();
        app.Trip(Payments);
        await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Open", new() { Timeout = 5000 });
        output.WriteLine($"trip shown by polling after {TimeProvider.System.GetElapsedTime(tripped).TotalMilliseconds:0} ms");
        await Expect(tab.Card(Orders)).ToHaveAttributeAsync("data-state", "Closed");
        tab.AssertNoErrors();
    }

    [GeneratedRegex("^No live updates for 5 s: polling every 2 s$")]
    private static partial Regex Polling();
}
