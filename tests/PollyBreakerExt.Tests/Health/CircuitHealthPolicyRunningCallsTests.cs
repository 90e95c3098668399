namespace PollyBreakerExt.Tests.Health;

/// <summary>W2 judged alone: the policy's running calls, admitted and released around the window's records.</summary>
public class CircuitHealthPolicyRunningCallsTests
{
    private const long Threshold = 10;

    private static CircuitHealthPolicy Policy(int inFlightCapacity = InFlightCalls.DefaultCapacity)
        => new(new TimeBasedWindow(duration: 1000, failureThreshold: null), minimumThroughput: 1, failureRatio: null, Threshold, slowCallRatio: 0.5, countInFlightSlowCalls: true, inFlightCapacity);

    [Fact]
    public void A_judgement_leaves_no_running_call_to_judge_until_another_may_reach_the_threshold()
    {
        var policy = Policy();
        policy.Admit(start: 0, probeGeneration: 0);
        Assert.True(policy.MayHaveHungCall(now: 10));

        Assert.Equal(new WindowCounts(1, 0, 1, false), policy.Judge(now: 10));
        Assert.False(policy.MayHaveHungCall(now: 1_000)); // counted and judged

        policy.Admit(start: 10, probeGeneration: 0);
        Assert.True(policy.JudgeInFlight(now: 20));
        Assert.False(policy.MayHaveHungCall(now: 1_000));
    }

    [Fact]
    public void Running_calls_hold_a_trip_condition_only_once_one_counts_as_slow()
    {
        var policy = Policy();
        policy.Admit(start: 0, probeGeneration: 0);

        Assert.False(policy.JudgeInFlight(now: 9));
        Assert.True(policy.JudgeInFlight(now: 10));
    }

    [Fact]
    public void A_success_of_a_call_counted_as_slow_while_it_ran_is_recorded_under_the_lock()
    {
        var policy = Policy();
        var sequence = policy.Admit(start: 0, probeGeneration: 0);
        Assert.Equal(1, policy.GetCounts(now: 10).SlowCalls);

        Assert.False(policy.TryRecordSuccessWithoutLock(sequence, generation: 0, now: 11, out var released));
        Assert.False(released);
    }

    [Fact]
    public void An_admission_under_the_lock_tracks_one_call_and_passes_the_slots_freed_without_it_when_the_ring_looks_full()
    {
        var policy = Policy(InFlightCalls.KeyedCapacity); // one ring
        policy.Release(policy.AdmitCompacting(start: 0, probeGeneration: 0));
        Assert.False(policy.JudgeInFlight(now: 100)); // nothing left running

        for (var i = 0; i < InFlightCalls.KeyedCapacity; i++)
        {
            policy.TryRecordSuccessWithoutLock(policy.Admit(start: 100, probeGeneration: 0), generation: 0, now: 101, out var released);
            Assert.True(released);
        }

        Assert.Equal(-1, policy.Admit(start: 102, probeGeneration: 0)); // freed, but not passed yet
        Assert.NotEqual(-1, policy.AdmitCompacting(start: 102, probeGeneration: 0));
    }
}
