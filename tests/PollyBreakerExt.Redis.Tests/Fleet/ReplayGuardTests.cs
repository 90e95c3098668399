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

    [Fact]
    public void A_nonce_is_forgotten_once_its_message_would_be_stale_anyway()
    {
        var guard = new ReplayGuard();
        for (var i = 0; i < 2_000; i++)
        {
            Assert.True(guard.TryAccept(FleetMessage.Create(FleetMessageKind.Open, "r", Now, "k", 1), Now, out _));
        }

        Assert.True(guard.TryAccept(FleetMessage.Create(FleetMessageKind.Open, "r", Now + 60_001, "k", 1), Now + 60_001, out _));

        Assert.Equal(1, guard.Count);
    }

    [Fact]
    public void Under_a_flood_of_fresh_messages_the_remembered_nonces_stay_within_the_cap_and_the_newest_are_kept()
    {
        var guard = new ReplayGuard(capacity: 100);
        var messages = Enumerable.Range(0, 1_000).Select(_ => FleetMessage.Create(FleetMessageKind.Open, "flood", Now, "k", 1)).ToArray();

        foreach (var message in messages)
        {
            Assert.True(guard.TryAccept(message, Now, out _));
        }

        Assert.Equal(100, guard.Count);
        Assert.False(guard.TryAccept(messages[^1], Now, out var problem));
        Assert.Equal("replayed", problem);
    }
}
