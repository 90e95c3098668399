using PollyBreakerExt.Tests.Fleet;
using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>DESIGN W1: the moves a fleet makes on a breaker from outside its call path, and what the breaker accepts.</summary>
public class FleetMovesTests
{
    private static (Breaker Breaker, CircuitBreakerFleetMember Member) FleetBreaker(Func<OnCircuitOpenedArguments<int>, ValueTask>? onOpened = null)
    {
        var fleet = new RecordingFleet();
        var options = NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(30), successThreshold: 2);
        options.Fleet = fleet;
        options.OnOpened = onOpened;
        var breaker = new Breaker(options);
        return (breaker, Assert.Single(fleet.Members));
    }

    [Fact]
    public void A_breaker_refuses_to_join_no_fleet()
    {
        var (_, member) = FleetBreaker();

        Assert.Throws<ArgumentNullException>(() => member.Breaker.JoinFleet(null!, "other"));
    }

    [Fact]
    public async Task A_fleet_opening_with_a_break_already_over_opens_for_no_time()
    {
        var (breaker, member) = FleetBreaker();

        await member.OpenAsync(TimeSpan.FromSeconds(-5)); // the other replica's break ended while its message travelled

        var transition = Assert.Single(breaker.Transitions);
        Assert.Equal((CircuitState.Open, TimeSpan.Zero), (transition.NewState, transition.BreakDuration));
        Assert.Equal(TimeSpan.Zero, member.Breaker.RetryAfter);
    }

    [Fact]
    public async Task A_fleet_opening_of_a_half_open_breaker_does_not_blame_the_failure_that_opened_it_before()
    {
        var (breaker, member) = FleetBreaker();
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        await member.OpenAsync(TimeSpan.FromSeconds(10));

        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);
        Assert.Null(rejection.InnerException); // another replica's failure opened it: this one has no exception to give
    }

    [Fact]
    public async Task Fleet_moves_complete_at_once_while_another_flow_runs_the_breakers_callbacks()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var openings = 0;
        var (breaker, member) = FleetBreaker(async _ =>
        {
            await hold.Task;
            if (Interlocked.Increment(ref openings) == 2)
            {
                reopened.SetResult();
            }
        });
        var failing = breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))).AsTask();
        Assert.False(failing.IsCompleted); // its OnOpened is running

        var closing = member.CloseAsync();
        var opening = member.OpenAsync(TimeSpan.FromSeconds(10));

        Assert.True(closing.IsCompleted); // waiting could deadlock: the running callback may await the fleet
        Assert.True(opening.IsCompleted);
        Assert.Equal(CircuitState.Open, breaker.State);
        hold.SetResult();
        await Task.WhenAll(failing, closing, opening, reopened.Task).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_fleet_reopening_the_breaker_while_it_asks_to_probe_keeps_the_new_break_over_the_wait_it_answers()
    {
        var fleet = new ReopeningFleet(reopenFor: TimeSpan.FromSeconds(60), answerWait: TimeSpan.FromSeconds(1));
        var options = NewOptions(failureThreshold: 1, breakDuration: TimeSpan.FromSeconds(30));
        options.Fleet = fleet;
        var breaker = new Breaker(options);
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));

        Assert.IsType<BrokenCircuitException>(breaker.Succeed().Exception);

        Assert.Equal(TimeSpan.FromSeconds(60), fleet.Member!.Breaker.RetryAfter); // the answer's wait was for the old break
    }

    /// <summary>Another replica's opening arrives between the probing question and its answer, as it may over the network.</summary>
    private sealed class ReopeningFleet(TimeSpan reopenFor, TimeSpan answerWait) : ICircuitBreakerFleet
    {
        public CircuitBreakerFleetMember? Member { get; private set; }

        public void Join(CircuitBreakerFleetMember member) => Member = member;

        public void Leave(CircuitBreakerFleetMember member)
        {
        }

        public void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args)
        {
        }

        public bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
        {
            member.OpenAsync(reopenFor).GetAwaiter().GetResult();
            retryAfter = answerWait;
            return false;
        }
    }
}
