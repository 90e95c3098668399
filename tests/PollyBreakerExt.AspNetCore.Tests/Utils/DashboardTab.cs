using Microsoft.Playwright;

namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>A browser tab on the dashboard of a <see cref="CircuitsApp"/>, recording every console error and page error.</summary>
internal sealed class DashboardTab : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private DashboardTab(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"console: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"page error: {error}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>
    /// Opens the dashboard; unless told otherwise, returns once its stream is live, so that a test moving the app's fake clock
    /// next gets the stream's snapshots (the page shows its cards before that, from the snapshot it carries).
    /// </summary>
    public static async Task<DashboardTab> OpenAsync(ChromiumFixture chromium, Uri address, ViewportSize? viewport = null, bool waitUntilLive = true)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = ColorScheme.Light,
        });
        var tab = new DashboardTab(context, await context.NewPageAsync());
        tab.Page.SetDefaultTimeout(10_000);
        await tab.Page.GotoAsync(new Uri(address, "circuits/ui").ToString());
        if (waitUntilLive)
        {
            await Assertions.Expect(tab.Page.Locator("#status")).ToHaveTextAsync("Live");
        }

        return tab;
    }

    /// <summary>Gets the card of a breaker.</summary>
    public ILocator Card(TestBreaker breaker)
        => Page.Locator($"article.card[data-key=\"{breaker.Key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"]");

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, string.Join(Environment.NewLine, Errors));

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
