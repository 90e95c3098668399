using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10: a key's breaker is announced to registries once built, starts in the state of the strategy's manual
/// control without a transition, catches up when the control moved while it was being built, and a disposed set stops
/// its idle timer and leaves its control.
/// </summary>
public class KeyedCircuitBreakersLifecycleTests
{
    private static SlowCallCircuitBreakerStrategyOptions<int> Options(SlowCallCircuitBreakerManualControl? control = null, ICircuitBreakerFleet? fleet = null)
    {
        var options = NewOptions(failureThreshold: 3);
        options.ManualControl = control;
        options.Fleet = fleet;
        return options;
    }

    [Fact]
    public void A_new_keys_breaker_is_announced_to_registries()
    {
        var breaker = new KeyedBreaker(Options());

        breaker.Succeed("a");

        var announced = breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated)
            .Select(e => Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(e.Arguments).Breaker);
        Assert.Equal([breaker.Keys.Find(null), breaker.Keys.Find("a")], announced);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_new_keys_breaker_starts_in_the_controls_state_without_a_transition(bool isolated)
    {
        var breaker = new KeyedBreaker(Options(new SlowCallCircuitBreakerManualControl(isolated)));

        breaker.Succeed("a");

        Assert.Equal(isolated ? CircuitState.Isolated : CircuitState.Closed, breaker.State("a"));
        Assert.Empty(breaker.Transitions);
    }

    [Fact]
    public void A_key_whose_breaker_was_being_built_when_the_control_isolated_is_isolated_too()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var fleet = new JoinHookedFleet(member => member.Key.EndsWith("/a", StringComparison.Ordinal), () => control.IsolateAsync());
        var breaker = new KeyedBreaker(Options(control, fleet));

        var outcome = breaker.Succeed("a"); // the control isolates while "a" is built, before the set lists it

        Assert.IsType<IsolatedCircuitException>(outcome.Exception);
        Assert.Equal(CircuitState.Isolated, breaker.State("a"));
    }

    [Fact]
    public void A_key_whose_breaker_was_being_built_when_the_control_closed_is_closed_too()
    {
        var control = new SlowCallCircuitBreakerManualControl(isIsolated: true);
        var fleet = new JoinHookedFleet(member => member.Key.EndsWith("/a", StringComparison.Ordinal), () => control.CloseAsync());
        var breaker = new KeyedBreaker(Options(control, fleet));

        var outcome = breaker.Succeed("a");

        Assert.Equal(42, outcome.Result);
        Assert.Equal(CircuitState.Closed, breaker.State("a"));
    }

    [Fact]
    public void A_disposed_set_stops_its_idle_timer()
    {
        var time = new TimerWatchingTimeProvider();
        var options = Options();
        options.KeyIdleTimeout = TimeSpan.FromMinutes(10);
        var breaker = new KeyedBreaker(options, time);
        var idleTimer = Assert.Single(time.Timers, t => t.Period == TimeSpan.FromMinutes(1));
        Assert.False(idleTimer.IsDisposed);

        ((IDisposable)breaker.Keys).Dispose();

        Assert.True(idleTimer.IsDisposed);
    }

    [Fact]
    public async Task A_disposed_set_leaves_its_manual_control()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var disposed = new KeyedBreaker(Options(control));
        disposed.Succeed("a");
        var live = new KeyedBreaker(Options(control));
        live.Succeed("a");
        ((IDisposable)disposed.Keys).Dispose();

        await control.IsolateAsync();

        Assert.Equal(CircuitState.Isolated, live.State("a"));
        Assert.Equal(CircuitState.Closed, disposed.Keys.Find("a")!.CircuitState);
        Assert.Equal(CircuitState.Closed, disposed.Keys.Find(null)!.CircuitState);
        Assert.Empty(disposed.Transitions);
    }

    private sealed class JoinHookedFleet(Func<CircuitBreakerFleetMember, bool> when, Func<Task> onJoin) : ICircuitBreakerFleet
    {
        public void Join(CircuitBreakerFleetMember member)
        {
            if (when(member))
            {
                _ = onJoin();
            }
        }

        public void Leave(CircuitBreakerFleetMember member)
        {
        }

        public void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args)
        {
        }

        public bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    private sealed class TimerWatchingTimeProvider : FakeTimeProvider
    {
        public List<WatchedTimer> Timers { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new WatchedTimer(base.CreateTimer(callback, state, dueTime, period), period);
            Timers.Add(timer);
            return timer;
        }
    }

    private sealed class WatchedTimer(ITimer timer, TimeSpan period) : ITimer
    {
        public TimeSpan Period { get; } = period;

        public bool IsDisposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose()
        {
            IsDisposed = true;
            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            IsDisposed = true;
            return timer.DisposeAsync();
        }
    }
}
