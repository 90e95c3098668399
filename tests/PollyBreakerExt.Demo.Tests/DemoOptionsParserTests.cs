using PollyBreakerExt.Demo;

namespace PollyBreakerExt.Demo.Tests;

public class DemoOptionsParserTests
{
    [Fact]
    public void No_arguments_give_the_one_minute_scenario()
    {
        var options = DemoOptionsParser.Parse([], out var error);

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Duration);
        Assert.Equal(1, options.Speed);
        Assert.Equal("breaker-timeline.png", options.OutPath);
        Assert.False(options.Serve);
    }

    [Fact]
    public void Values_are_read_with_a_space_or_an_equals_sign()
    {
        var options = DemoOptionsParser.Parse(["--duration=30", "--speed", "2.5", "--clients", "4", "--out", "x.png", "--plain"], out var error);

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Equal(2.5, options.Speed);
        Assert.Equal(4, options.Clients);
        Assert.Equal("x.png", options.OutPath);
        Assert.True(options.Plain);
        Assert.Equal(TimeSpan.FromSeconds(12), options.WallDuration);
    }

    [Fact]
    public void Serve_takes_a_loopback_url()
    {
        var options = DemoOptionsParser.Parse(["--serve", "--urls", "http://127.0.0.1:6001"], out var error);

        Assert.Null(error);
        Assert.True(options!.Serve);
        Assert.Equal("http://127.0.0.1:6001", options.Urls);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--speed", "0")]
    [InlineData("--speed", "fast")]
    [InlineData("--duration", "5")]
    [InlineData("--clients", "0")]
    [InlineData("--out", "chart.jpg")]
    [InlineData("--out")]
    [InlineData("--urls", "http://127.0.0.1:6001")]
    [InlineData("--serve", "--urls", "http://10.1.2.3:80")]
    [InlineData("--serve", "--urls", "https://127.0.0.1:6001")]
    [InlineData("--speed", "2", "--speed", "3")]
    [InlineData("--plain", "--plain")]
    [InlineData("--duration=3601")]
    [InlineData("--clients", "4x")]
    public void Bad_arguments_are_refused_with_a_reason(params string[] args)
    {
        var options = DemoOptionsParser.Parse(args, out var error);

        Assert.Null(options);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("--speed 0", "'--speed 0': give a factor from 0.25 to 20.", "--speed", "0")]
    [InlineData("--speed twice", "'--speed'", "--speed", "2", "--speed", "3")]
    [InlineData("--urls without --serve", "'--urls' applies only with '--serve'.", "--urls", "http://127.0.0.1:6001")]
    [InlineData("an unknown argument", "'--bogus'", "--bogus")]
    public void The_reason_names_the_argument(string because, string expected, params string[] args)
    {
        DemoOptionsParser.Parse(args, out var error);

        Assert.True(error?.Contains(expected, StringComparison.Ordinal) == true, $"{because}: {error}");
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-?")]
    [InlineData("--help")]
    public void Help_is_asked_for_with_any_of_its_names(string arg)
    {
        var options = DemoOptionsParser.Parse([arg], out var error);

        Assert.Null(error);
        Assert.True(options!.Help);
    }

    [Fact]
    public void Duration_and_speed_take_units()
    {
        var options = DemoOptionsParser.Parse(["--duration", "45s", "--speed", "4x"], out _);

        Assert.Equal(TimeSpan.FromSeconds(45), options!.Duration);
        Assert.Equal(4, options.Speed);
    }

    [Fact]
    public void Usage_lists_every_option()
    {
        foreach (var option in new[] { "--duration", "--speed", "--clients", "--out", "--plain", "--serve", "--urls", "--help" })
        {
            Assert.Contains(option, DemoOptionsParser.Usage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_arguments_print_usage_and_exit_non_zero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await DemoProgram.RunAsync(["--speed", "0"], output, error, terminal: false, CancellationToken.None);

        Assert.Equal(DemoProgram.ExitUsage, exitCode);
        Assert.Contains("--speed 0", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Help_prints_usage_and_exits_zero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await DemoProgram.RunAsync(["--help"], output, error, terminal: false, CancellationToken.None);

        Assert.Equal(DemoProgram.ExitOk, exitCode);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
    }
}
