using PollyBreakerExt.Demo;
using PollyBreakerExt.Demo.Fleet;

namespace PollyBreakerExt.Redis.Tests.Demo;

/// <summary>The demo's <c>--fleet</c> mode, end to end against a real Redis: one replica's trip opens all three.</summary>
public sealed class FleetDemoTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_busy_replicas_trip_opens_the_quiet_ones_through_the_fleet()
    {
        using var output = new StringWriter();
        var options = new DemoOptions { Fleet = _server.ConnectionString, Speed = 4, Duration = TimeSpan.FromSeconds(20) };

        var exit = await FleetDemo.RunAsync(options, output, live: false, CancellationToken.None);

        var text = output.ToString();
        Assert.True(exit == DemoProgram.ExitOk, text);
        Assert.Matches(@"replica-2  \w+ -> Open  \[Fleet\]", text);
        Assert.Matches(@"replica-3  \w+ -> Open  \[Fleet\]", text);
        Assert.Contains("One replica's trip opened all three", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fleet_option_is_parsed_and_needs_a_value()
    {
        Assert.Equal("127.0.0.1:6379", DemoOptionsParser.Parse(["--fleet", "127.0.0.1:6379"], out _)!.Fleet);
        Assert.Null(DemoOptionsParser.Parse(["--fleet"], out var error));
        Assert.Contains("--fleet", error, StringComparison.Ordinal);
        Assert.Null(DemoOptionsParser.Parse([], out _)!.Fleet);
    }
}
