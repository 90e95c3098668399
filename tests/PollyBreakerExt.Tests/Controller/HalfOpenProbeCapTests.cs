namespace PollyBreakerExt.Tests.Controller;

/// <summary>The half-open probe cap on its own: sets of probes, each holding its slots until it is stuck or its probes end.</summary>
public class HalfOpenProbeCapTests
{
    private const long Break = 1000;

    [Fact]
    public void Probes_join_the_newest_set_of_this_episode_until_the_cap_is_reached()
    {
        var cap = new HalfOpenProbeCap(capacity: 2, Break);

        Assert.True(cap.TryAdmit(0, episodeGeneration: 1, out var first));
        Assert.True(cap.TryAdmit(10, episodeGeneration: 1, out var second));
        Assert.False(cap.TryAdmit(20, episodeGeneration: 1, out _));

        Assert.Equal(first, second);
        Assert.Equal(2, cap.Holding(20));
        Assert.Equal(Break, cap.FreesAt(20)); // the set began at 0
    }

    [Fact]
    public void A_stuck_set_frees_its_slots_and_a_new_one_begins()
    {
        var cap = new HalfOpenProbeCap(capacity: 1, Break);
        Assert.True(cap.TryAdmit(0, 1, out var stuck));

        Assert.Equal(0, cap.Holding(Break));
        Assert.True(cap.TryAdmit(Break, 1, out var fresh));

        Assert.NotEqual(stuck, fresh);
        cap.Release(stuck); // its set is gone: nothing to give back
        Assert.Equal(1, cap.Holding(Break));
    }

    [Fact]
    public void A_set_of_an_earlier_episode_keeps_its_running_probes_slots_and_leaves_once_they_end()
    {
        var cap = new HalfOpenProbeCap(capacity: 3, Break);
        Assert.True(cap.TryAdmit(0, 1, out var earlier));
        var episode = cap.NextGeneration;
        Assert.True(cap.TryAdmit(10, episode, out var later));
        Assert.True(cap.TryAdmit(20, episode, out _));

        Assert.False(cap.TryAdmit(30, episode, out _)); // one of the earlier episode, two of this one
        cap.Release(earlier); // the middle of the list empties: the earlier set leaves, its slot frees
        Assert.Equal(2, cap.Holding(30));
        Assert.Equal(10 + Break, cap.FreesAt(30));
        Assert.True(cap.TryAdmit(30, episode, out var joined));
        Assert.Equal(later, joined);
    }

    [Fact]
    public void An_idle_newest_set_gives_way_to_the_next_episodes_and_frees_at_once()
    {
        var cap = new HalfOpenProbeCap(capacity: 2, Break);
        Assert.True(cap.TryAdmit(0, 1, out var idle));
        cap.Release(idle);

        Assert.Equal(0, cap.Holding(5));
        Assert.Equal(5, cap.FreesAt(5)); // nothing held: a slot is free now
        Assert.True(cap.TryAdmit(5, cap.NextGeneration, out var next));
        Assert.NotEqual(idle, next);
        Assert.True(cap.TryAdmit(6, next, out _));
        Assert.False(cap.TryAdmit(7, next, out _)); // the idle set held nothing and is gone
    }
}
