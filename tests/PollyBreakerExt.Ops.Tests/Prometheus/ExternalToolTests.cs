using PollyBreakerExt.Ops.Tests.Infrastructure;
using Xunit.Sdk;

namespace PollyBreakerExt.Ops.Tests.Prometheus;

/// <summary>A missing Prometheus binary fails the tests, naming the package to install; nothing is skipped.</summary>
public sealed class ExternalToolTests
{
    [Fact]
    public void A_missing_tool_fails_with_the_Debian_package_to_install()
    {
        var failure = Assert.ThrowsAny<XunitException>(() => ExternalTool.Require("promtool-that-is-not-installed"));

        Assert.Contains("'promtool-that-is-not-installed' is not installed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install prometheus", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("promtool")]
    [InlineData("prometheus")]
    public void The_tools_the_tests_run_are_installed(string command)
        => Assert.True(File.Exists(ExternalTool.Require(command)));
}
