using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>#20, B5: a long or non-ASCII breaker key travels if its messages fit, and is reported (not silently dropped) if not.</summary>
public sealed class LongKeyTests : IAsyncLifetime
{
    private static readonly TimeSpan LongBreak = TimeSpan.FromSeconds(30);

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_key_of_seven_hundred_accented_letters_travels()
    {
        var key = new string('é', 700);
        await using var a = await Replica.StartAsync(_server, options => options.SigningKey = new byte[32]);
        await using var b = await Replica.StartAsync(_server, options => options.SigningKey = new byte[32]);
        var breakerA = a.Breaker(key, LongBreak);
        var breakerB = b.Breaker(key, LongBreak);
        await Task.Delay(500);

        breakerA.Fail();

        await Eventually.HoldsAsync(() => breakerB.IsHeardIn(CircuitState.Open), "the trip of a long accented key travels");
    }

    [Fact]
    public async Task A_key_whose_messages_would_be_oversized_is_reported_at_join_and_its_breaker_works_alone()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(collector)));
        var connection = await _server.ConnectAsync();
        await using var fleet = new RedisCircuitBreakerFleet(Task.FromResult<IConnectionMultiplexer>(connection), new() { KeyPrefix = "test" }, ownsConnection: true, loggerFactory, timeProvider: null);
        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet connects");

        var breaker = new TestBreaker(new string('x', FleetMessage.MaxLength), fleet, LongBreak);

        var warning = Assert.Single(collector.GetSnapshot(), record => record.Id.Name == "FleetKeyTooLong");
        Assert.Equal(LogLevel.Warning, warning.Level);
        breaker.Fail();
        Assert.Equal(CircuitState.Open, breaker.State); // alone, as without a fleet
    }
}
