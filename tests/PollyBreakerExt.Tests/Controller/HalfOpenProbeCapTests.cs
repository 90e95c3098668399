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

    [Fact]
    public void A_probe_of_the_same_episode_rejoins_the_newest_set_after_its_probes_ended()
    {
        var cap = new HalfOpenProbeCap(capacity: 2, Break);
        Assert.True(cap.TryAdmit(0, 1, out var first));
        cap.Release(first);

        Assert.True(cap.TryAdmit(10, 1, out var again));

        Assert.Equal(first, again);
        Assert.Equal(Break, cap.FreesAt(10)); // the set still began at 0
    }

    [Fact]
    public void An_earlier_set_keeps_its_slots_while_any_of_its_probes_runs()
    {
        var cap = new HalfOpenProbeCap(capacity: 3, Break);
        Assert.True(cap.TryAdmit(0, 1, out var earlier));
        Assert.True(cap.TryAdmit(5, 1, out _));
        Assert.True(cap.TryAdmit(10, cap.NextGeneration, out _));

        cap.Release(earlier);

        Assert.Equal(2, cap.Holding(20));
        Assert.Equal(Break, cap.FreesAt(20));
    }

    [Fact]
    public void Sets_leave_a_full_list_in_any_order_as_their_probes_end()
    {
        var cap = new HalfOpenProbeCap(capacity: 2, Break);
        Assert.True(cap.TryAdmit(0, 1, out var earlier));
        Assert.True(cap.TryAdmit(10, cap.NextGeneration, out var later));

        cap.Release(earlier);
        Assert.Equal(1, cap.Holding(20));
        cap.Release(later);

        Assert.Equal(0, cap.Holding(20));
        Assert.Equal(20, cap.FreesAt(20)); // nothing held, not even by a set that has left
    }

    [Fact]
    public void A_stuck_set_leaves_the_younger_sets_holding_and_open_to_new_probes()
    {
        var cap = new HalfOpenProbeCap(capacity: 2, Break);
        Assert.True(cap.TryAdmit(0, 1, out _));
        var episode = cap.NextGeneration;
        Assert.True(cap.TryAdmit(10, episode, out var younger));

        Assert.Equal(10 + Break, cap.FreesAt(Break)); // the oldest set is stuck at Break: the younger one frees a slot next
        Assert.True(cap.TryAdmit(Break, episode, out var joined));

        Assert.Equal(younger, joined);
        Assert.Equal(2, cap.Holding(Break));
    }

    [Fact]
    public void Episode_after_episode_of_single_probes_never_fills_the_cap()
    {
        var cap = new HalfOpenProbeCap(capacity: 1, Break);

        for (var episode = 0; episode < 5; episode++)
        {
            Assert.True(cap.TryAdmit(episode * 10, cap.NextGeneration, out var probe));
            cap.Release(probe);
            Assert.Equal(0, cap.Holding(episode * 10));
        }
    }

    [Fact]
    public void Overlapping_episodes_whose_earlier_probes_end_first_never_fill_the_cap()
    {
        var cap = new HalfOpenProbeCap(capacity: 3, Break);
        var probes = new List<int>();
        for (var episode = 0; episode < 3; episode++)
        {
            Assert.True(cap.TryAdmit(episode, cap.NextGeneration, out var probe));
            probes.Add(probe);
        }

        cap.Release(probes[1]); // from the middle of the list
        cap.Release(probes[0]);
        Assert.True(cap.TryAdmit(3, cap.NextGeneration, out var fourth));
        cap.Release(probes[2]);
        Assert.True(cap.TryAdmit(4, cap.NextGeneration, out var fifth));

        Assert.Equal(2, cap.Holding(4));
        cap.Release(fourth);
        cap.Release(fifth);
        Assert.Equal(0, cap.Holding(4));
    }
}
