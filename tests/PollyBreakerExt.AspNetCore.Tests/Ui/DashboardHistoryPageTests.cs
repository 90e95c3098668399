using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>
/// A page opened during an incident: five minutes of traffic have passed (on the app's fake clock), and the charts draw
/// them at once. This test also takes the screenshot the README shows.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed class DashboardHistoryPageTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_charts_draw_the_last_five_minutes_as_soon_as_the_page_opens()
    {
        var time = new FakeTimeProvider(Start);
        var catalog = new TestBreaker("catalog-api", Strategy: "slow-call-breaker") { Configure = RatiosOnly };
        var payments = new TestBreaker("payments-api", "https://pay.example:443", "slow-call-breaker") { Configure = TripsAtHalfFailed };
        var search = new TestBreaker("search-api", Strategy: "slow-call-breaker") { Configure = options => options.BreakDuration = TimeSpan.FromSeconds(30) };
        var inventory = new TestBreaker("inventory-api", Strategy: "slow-call-breaker");
        await using var app = await CircuitsApp.StartAsync([catalog, payments, search, inventory], time);
        var probe = new TaskCompletionSource();
        Task? hangingProbe = null;

        try
        {
            // Five minutes: catalog's upstream grows slow then fails a little; payments fails and trips; search trips, and its
            // probe hangs (half-open); an operator isolates inventory.
            await app.AdvanceSecondsAsync(time, CircuitRatioHistory.Capacity, second =>
            {
                for (var call = 0; call < 10; call++)
                {
                    Call(app, catalog, time, fail: second > 180 && call < (second - 180) / 30, slow: second > 100 && call < (second - 100) / 25);
                    if (app.StateOf(payments) == CircuitState.Closed)
                    {
                        Call(app, payments, time, fail: second > 200 && call < (second - 200) / 4, slow: false);
                    }
                    else
                    {
                        app.Reject(payments);
                    }
                }

                if (second == 240)
                {
                    app.Trip(search);
                }
                else if (second == 275)
                {
                    hangingProbe = app.Pipeline(search).ExecuteAsync(async _ => await probe.Task).AsTask();
                }
                else if (second == 285)
                {
                    _ = app.Registry.IsolateAsync("inventory-api").Result;
                }
            }, Start);

            var started = TimeProvider.System.GetTimestamp();
            await using var tab = await DashboardTab.OpenAsync(chromium, app.Address, new ViewportSize { Width = 1100, Height = 640 });
            await Expect(tab.Page.Locator("article.card")).ToHaveCountAsync(4);
            output.WriteLine($"time to four cards with five minutes of history: {TimeProvider.System.GetElapsedTime(started).TotalMilliseconds:0} ms");
            await Expect(tab.Card(payments).Locator(".rejections")).ToHaveTextAsync("0"); // the first snapshot: no rate yet

            // Three more seconds, 12 rejections in each; each time the page shows that second's snapshot before the next.
            for (var second = 0; second < 3; second++)
            {
                var shown = await tab.Card(payments).Locator(".open-for").TextContentAsync();
                for (var call = 0; call < 12; call++)
                {
                    app.Reject(payments);
                }

                await app.AdvanceSecondsAsync(time, 1, start: Start.AddSeconds(CircuitRatioHistory.Capacity + second));
                await Expect(tab.Card(payments).Locator(".open-for")).Not.ToHaveTextAsync(shown!);
            }

            await Expect(tab.Card(payments)).ToHaveAttributeAsync("data-state", "Open");
            await Expect(tab.Card(search)).ToHaveAttributeAsync("data-state", "HalfOpen");
            // Time open is the incident's: since the trip at 4:00, not since the half-open at 4:35 (the page is at 5:03).
            await Expect(tab.Card(search).Locator(".open-for")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^1m 0[23]s$"));
            await Expect(tab.Card(inventory)).ToHaveAttributeAsync("data-state", "Isolated");
            await Expect(tab.Card(payments).Locator(".rejections")).ToHaveTextAsync("12");
            var points = (await tab.Card(catalog).Locator("polyline.slow").GetAttributeAsync("points"))!.Split(' ');
            Assert.InRange(points.Length, CircuitRatioHistory.Capacity - 5, CircuitRatioHistory.Capacity + 5); // one a second for five minutes
            var firstX = double.Parse(points[0].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(firstX, 0, 5); // the chart starts five minutes back, at its left edge

            var path = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard-incident.png");
            await tab.Page.ScreenshotAsync(new() { Path = path, FullPage = true });
            output.WriteLine($"screenshot: {path}");
            tab.AssertNoErrors();
        }
        finally
        {
            // A probe still running when the app stops would hold up Polly's disposal, which waits on the fake clock.
            probe.TrySetResult();
            if (hangingProbe is not null)
            {
                await hangingProbe;
            }
        }
    }

    private static void RatiosOnly(SlowCallCircuitBreakerStrategyOptions options)
    {
        options.FailureThreshold = null;
        options.FailureRatio = 0.9;
        options.MinimumThroughput = 1_000_000;
        options.SamplingDuration = TimeSpan.FromSeconds(30);
        options.SlowCallDurationThreshold = TimeSpan.FromMilliseconds(20);
        options.SlowCallRatio = 0.9;
    }

    private static void TripsAtHalfFailed(SlowCallCircuitBreakerStrategyOptions options)
    {
        options.FailureThreshold = null;
        options.FailureRatio = 0.5;
        options.MinimumThroughput = 10;
        options.SamplingDuration = TimeSpan.FromSeconds(30);
    }

    private static void Call(CircuitsApp app, TestBreaker breaker, FakeTimeProvider time, bool fail, bool slow)
    {
        try
        {
            app.Pipeline(breaker).Execute(() =>
            {
                if (slow)
                {
                    time.Advance(TimeSpan.FromMilliseconds(25)); // at most 8 such calls a second: they never reach the next second
                }

                if (fail)
                {
                    throw new InvalidOperationException("upstream failed");
                }
            });
        }
        catch (InvalidOperationException)
        {
        }
    }
}
