namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F7: a message is accepted once, and only while it is fresh by Redis' clock.</summary>
public sealed class ReplayGuardTests
{
    private const long Now = 1_700_000_000_000;

    [Fact]
    public void A_message_is_accepted_once_and_its_replay_is_refused()
    {
        var guard = new ReplayGuard();
        var message = FleetMessage.Create(FleetMessageKind.Open, "replica-a", Now, "payments", 1_000);

        Assert.True(guard.TryAccept(message, Now, out _));
        Assert.False(guard.TryAccept(message, Now + 10, out var problem));
        Assert.Equal("replayed", problem);
        Assert.True(guard.TryAccept(message with { Replica = "replica-b" }, Now, out _)); // nonces are per sender
    }

    [Theory]
    [InlineData(-60_001)]
    [InlineData(60_001)]
    public void A_message_further_than_a_minute_from_Redis_clock_is_stale(long offset)
    {
        var guard = new ReplayGuard();

        Assert.False(guard.TryAccept(FleetMessage.Create(FleetMessageKind.Open, "r", Now + offset, "k", 1), Now, out var problem));
        Assert.Equal("stale", problem);
        Assert.True(guard.TryAccept(FleetMessage.Create(FleetMessageKind.Open, "r", Now + (offset > 0 ? 60_000 : -60_000), "k", 1), Now, out _));
    }
}
