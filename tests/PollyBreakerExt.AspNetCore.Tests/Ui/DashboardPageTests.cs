using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>
/// The dashboard in a real headless Chromium against a real Kestrel: cards for every breaker, live from the stream,
/// buttons that act, a stream that comes back, and a clean console.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed class DashboardPageTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");
    private static readonly TestBreaker Inventory = new("inventory", Strategy: "inventory 50% <odd> & \"quoted\"");

    [Fact]
    public async Task Cards_appear_for_every_registered_breaker()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments, Inventory]);

        var started = TimeProvider.System.GetTimestamp();
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        await Expect(tab.Page.Locator("article.card").First).ToBeVisibleAsync();
        output.WriteLine($"time to first card: {TimeProvider.System.GetElapsedTime(started).TotalMilliseconds:0} ms from a new tab, " +
            $"{await tab.Page.EvaluateAsync<double>("() => performance.getEntriesByName('first-card')[0].startTime"):0} ms from navigation start");

        await Expect(tab.Page.Locator("article.card")).ToHaveCountAsync(3);
        foreach (var breaker in app.Breakers)
        {
            await Expect(tab.Card(breaker).Locator(".name")).ToHaveTextAsync(breaker.Pipeline);
            await Expect(tab.Card(breaker).Locator(".instance")).ToHaveTextAsync(breaker.Instance ?? string.Empty);
            await Expect(tab.Card(breaker).Locator(".strategy")).ToHaveTextAsync(breaker.Strategy);
            await Expect(tab.Card(breaker).Locator(".y-axis")).ToHaveTextAsync("100%50%0%");
            await Expect(tab.Card(breaker).Locator(".x-axis")).ToHaveTextAsync("5 min agonow");
            await Expect(tab.Card(breaker).Locator(".state")).ToHaveTextAsync("Closed");
            await Expect(tab.Card(breaker).Locator(".fleet")).ToBeHiddenAsync(); // in no fleet
            await Expect(tab.Page.GetByRole(AriaRole.Button, new() { Name = "Isolate " + breaker.Key, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(tab.Page.Locator("#status")).ToHaveTextAsync("Live");
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_trip_turns_the_card_open_within_two_seconds_without_a_reload()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Closed");
        await tab.Page.EvaluateAsync("() => window.notReloaded = true");

        app.Trip(Payments);

        await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Open", new() { Timeout = 2000 });
        await Expect(tab.Card(Payments).Locator(".reason")).ToHaveTextAsync("FailureThreshold");
        await Expect(tab.Card(Orders)).ToHaveAttributeAsync("data-state", "Closed");
        Assert.True(await tab.Page.EvaluateAsync<bool>("() => window.notReloaded === true"));
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task The_isolate_button_isolates_and_the_close_button_closes()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        var card = tab.Card(Payments);
        await Expect(card.Locator("button.close")).ToBeDisabledAsync(); // closed already

        await card.GetByRole(AriaRole.Button, new() { Name = "Isolate" }).ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-state", "Isolated");
        Assert.Equal(CircuitState.Isolated, app.StateOf(Payments));
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
        await Expect(card.Locator("button.isolate")).ToBeDisabledAsync();

        await card.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-state", "Closed");
        Assert.Equal(CircuitState.Closed, app.StateOf(Payments));
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task The_buttons_work_from_the_keyboard()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        var isolate = tab.Card(Orders).Locator("button.isolate");
        await Expect(isolate).ToBeEnabledAsync();

        for (var i = 0; i < 10 && !await isolate.EvaluateAsync<bool>("button => button === document.activeElement"); i++)
        {
            await tab.Page.Keyboard.PressAsync("Tab");
        }

        await Expect(isolate).ToBeFocusedAsync();
        Assert.NotEqual("none", await isolate.EvaluateAsync<string>("button => getComputedStyle(button).outlineStyle"));
        await tab.Page.Keyboard.PressAsync("Enter");

        await Expect(tab.Card(Orders)).ToHaveAttributeAsync("data-state", "Isolated");
        Assert.Equal(CircuitState.Isolated, app.StateOf(Orders));

        // The focus moved on to Close, so Enter again closes.
        var close = tab.Card(Orders).Locator("button.close");
        await Expect(close).ToBeFocusedAsync();
        await tab.Page.Keyboard.PressAsync("Enter");

        await Expect(tab.Card(Orders)).ToHaveAttributeAsync("data-state", "Closed");
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_post_without_the_header_is_refused_even_from_the_page()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        await Expect(tab.Card(Orders)).ToBeVisibleAsync();

        // What a form or a plain fetch can send without a preflight: no custom header.
        var status = await tab.Page.EvaluateAsync<int>(
            "async key => (await fetch('/circuits/' + encodeURIComponent(key) + '/isolate', { method: 'POST' })).status", Orders.Key);

        Assert.Equal((int)HttpStatusCode.Forbidden, status);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Fact]
    public async Task The_stream_reconnects_after_the_server_ends_it()
    {
        var first = await CircuitsApp.StartAsync([Orders]);
        await using var tab = await DashboardTab.OpenAsync(chromium, first.Address);
        await Expect(tab.Card(Orders)).ToBeVisibleAsync();
        await tab.Page.EvaluateAsync("() => window.notReloaded = true");

        // The server goes away (its streams end), and a new one comes up at the same address with other breakers.
        var port = first.Address.Port;
        await first.DisposeAsync();
        await Expect(tab.Page.Locator("#status")).Not.ToHaveTextAsync("Live");
        await using var second = await CircuitsApp.StartAsync([Payments], port: port);
        second.Trip(Payments);

        await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Open", new() { Timeout = 15_000 });
        await Expect(tab.Card(Orders)).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator("#status")).ToHaveTextAsync("Live");
        Assert.True(await tab.Page.EvaluateAsync<bool>("() => window.notReloaded === true"));
    }

    [Fact]
    public async Task The_page_is_readable_on_a_phone()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments, Inventory]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address, new ViewportSize { Width = 390, Height = 844 });
        await Expect(tab.Page.Locator("article.card")).ToHaveCountAsync(3);

        Assert.True(await tab.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        var box = await tab.Card(Payments).BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.Width > 300, $"a card is {box.Width}px wide on a 390px screen");
        Assert.True(await tab.Card(Payments).Locator("button.isolate").IsVisibleAsync());
        await tab.Page.ScreenshotAsync(new() { Path = ScreenshotPath("dashboard-phone.png"), FullPage = true });
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_session_logs_no_console_error_and_leaves_a_screenshot()
    {
        var catalog = new TestBreaker("catalog")
        {
            // Never trips here: it only draws its ratios.
            Configure = options =>
            {
                options.FailureThreshold = null;
                options.FailureRatio = 0.99;
                options.MinimumThroughput = 100_000;
                options.SlowCallDurationThreshold = TimeSpan.FromMilliseconds(20);
                options.SlowCallRatio = 0.99;
                options.SamplingDuration = TimeSpan.FromSeconds(3);
            },
        };
        await using var app = await CircuitsApp.StartAsync([catalog, Payments, Orders, Inventory]);
        await using var tab = await DashboardTab.OpenAsync(chromium, app.Address);
        await Expect(tab.Page.Locator("article.card")).ToHaveCountAsync(4);

        // Some seconds of traffic through catalog, failures and slow calls rising, so its chart has a shape.
        var pipeline = app.Pipeline(catalog);
        for (var second = 0; second < 6; second++)
        {
            for (var call = 0; call < 20; call++)
            {
                var fail = call < second * 2;
                var slow = call >= 18 - second;
                try
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        if (slow)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(25), TimeProvider.System, token);
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

            await Task.Delay(TimeSpan.FromMilliseconds(700), TimeProvider.System);
        }

        app.Trip(Payments);

        // Rejections go on while the page is read: a single burst shows as a rate for one snapshot only, a second that a
        // loaded machine's polling of the page can miss.
        var rejecting = true;
        var rejections = Task.Run(async () =>
        {
            while (Volatile.Read(ref rejecting))
            {
                app.Reject(Payments);
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
            }
        });
        try
        {
            await tab.Card(Inventory).GetByRole(AriaRole.Button, new() { Name = "Isolate" }).ClickAsync();
            await Expect(tab.Card(Inventory)).ToHaveAttributeAsync("data-state", "Isolated");
            await Expect(tab.Card(Payments)).ToHaveAttributeAsync("data-state", "Open");
            await Expect(tab.Card(Payments).Locator(".rejections")).Not.ToHaveTextAsync("0");
        }
        finally
        {
            Volatile.Write(ref rejecting, false);
            await rejections;
        }

        Assert.NotEmpty(await tab.Card(catalog).Locator("polyline.failures").GetAttributeAsync("points") ?? string.Empty);

        await tab.Page.ScreenshotAsync(new() { Path = ScreenshotPath("dashboard.png"), FullPage = true });
        Assert.True(File.Exists(ScreenshotPath("dashboard.png")));
        tab.AssertNoErrors();
    }

    private string ScreenshotPath(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        output.WriteLine($"screenshot: {path}");
        return path;
    }
}
