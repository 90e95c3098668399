namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>Without the browser, the browser tests fail (never skip), naming the Debian package to install.</summary>
public sealed class ChromiumFixtureTests
{
    [Fact]
    public async Task A_missing_browser_fails_naming_the_package_to_install()
    {
        var fixture = new ChromiumFixture("/nonexistent/chromium");
        await fixture.InitializeAsync();

        var error = Assert.Throws<InvalidOperationException>(() => fixture.Browser);

        Assert.Contains("Debian package 'chromium'", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/chromium", error.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }
}
