using Microsoft.Playwright;

namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>chromium</c>, driven by Playwright through
/// <see cref="ExecutablePath"/>; Playwright never downloads a browser of its own.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string DebianChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Exception? _failure;

    public ChromiumFixture()
        : this(DebianChromium)
    {
    }

    internal ChromiumFixture(string executablePath) => ExecutablePath = executablePath;

    public string ExecutablePath { get; }

    /// <summary>Gets the browser, or fails the test with what to install.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException(
        $"No headless Chromium to drive at {ExecutablePath}: install the Debian package 'chromium' (apt-get install chromium; .ci/run does it). {_failure?.Message}",
        _failure);

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            return; // each browser test fails with Browser's message
        }

        try
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--disable-gpu", "--disable-dev-shm-usage"],
            });
        }
        catch (PlaywrightException failed)
        {
            _failure = failed;
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
