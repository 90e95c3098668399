namespace PollyBreakerExt.Tests.Health;

/// <summary>Semantics rule 1, judged alone: which trip condition holds for what the window holds, and which calls are slow.</summary>
public class CircuitHealthPolicyTests
{
    private static CircuitHealthPolicy Policy(int? failureThreshold = null, double? failureRatio = null, long slowThreshold = 0, double slowCallRatio = 0.5, int minimumThroughput = 4)
        => new(new CountBasedWindow(100, failureThreshold), minimumThroughput, failureRatio, slowThreshold, slowCallRatio);

    [Fact]
    public void Failure_threshold_trips_without_minimum_throughput()
    {
        var policy = Policy(failureThreshold: 2, minimumThroughput: 100);
        Assert.Null(policy.TripReason(policy.Record(isFailure: true, isSlow: false, now: 0)));
        Assert.Equal(CircuitTransitionReason.FailureThreshold, policy.TripReason(policy.Record(isFailure: true, isSlow: false, now: 0)));
    }

    [Fact]
    public void Ratios_wait_for_minimum_throughput_and_trip_at_equality()
    {
        var policy = Policy(failureRatio: 0.5, minimumThroughput: 4);
        policy.Record(isFailure: true, isSlow: false, now: 0);
        policy.Record(isFailure: true, isSlow: false, now: 0);
        Assert.Null(policy.TripReason(policy.Record(isFailure: false, isSlow: false, now: 0))); // 3 calls < 4

        Assert.Equal(CircuitTransitionReason.FailureRatio, policy.TripReason(policy.Record(isFailure: false, isSlow: false, now: 0))); // 2/4 >= 0.5
    }

    [Fact]
    public void The_first_condition_that_holds_is_the_reason_in_the_documented_order()
    {
        var policy = Policy(failureThreshold: 4, failureRatio: 1.0, slowThreshold: 10, slowCallRatio: 1.0, minimumThroughput: 4);
        WindowCounts counts = default;
        for (var i = 0; i < 4; i++)
        {
            counts = policy.Record(isFailure: true, isSlow: true, now: 0);
        }

        Assert.Equal(CircuitTransitionReason.FailureThreshold, policy.TripReason(counts));
        Assert.Equal(CircuitTransitionReason.FailureRatio, policy.TripReason(counts with { FailureThresholdReached = false }));
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, policy.TripReason(counts with { FailureThresholdReached = false, Failures = 0 }));
    }

    [Fact]
    public void Slow_call_ratio_is_judged_only_when_slow_call_detection_is_on()
    {
        var off = Policy(slowThreshold: 0, minimumThroughput: 1);
        Assert.False(off.DetectsSlowCalls);
        Assert.False(off.IsSlow(0, long.MaxValue));
        Assert.Null(off.TripReason(new WindowCounts(4, 0, 4, false)));

        var on = Policy(slowThreshold: 10, minimumThroughput: 1);
        Assert.True(on.DetectsSlowCalls);
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, on.TripReason(new WindowCounts(4, 0, 2, false)));
        Assert.Null(on.TripReason(new WindowCounts(4, 0, 1, false)));
    }

    [Fact]
    public void A_call_is_slow_from_the_threshold_on()
    {
        var policy = Policy(slowThreshold: 10);
        Assert.False(policy.IsSlow(start: 5, now: 14));
        Assert.True(policy.IsSlow(start: 5, now: 15));
    }

    [Fact]
    public void Clear_forgets_every_call()
    {
        var policy = Policy(failureThreshold: 1);
        policy.Record(isFailure: true, isSlow: true, now: 0);
        policy.Clear();
        Assert.Equal(new WindowCounts(0, 0, 0, false), policy.GetCounts(0));
    }
}
