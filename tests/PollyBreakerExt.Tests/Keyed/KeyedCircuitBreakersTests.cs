using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Keyed;

/// <summary>
/// DESIGN W10, issue #22: with a KeySelector, each key has a full breaker of its own, built on demand, with bounded memory.
/// </summary>
public class KeyedCircuitBreakersTests
{
    private static SlowCallCircuitBreakerStrategyOptions<int> Options(int maxKeys = 10_000, TimeSpan? idle = null, int failureThreshold = 3)
    {
        var options = NewOptions(failureThreshold: failureThreshold);
        options.MaxKeys = maxKeys;
        options.KeyIdleTimeout = idle;
        return options;
    }

    [Fact]
    public void One_keys_failures_do_not_open_another_keys_breaker()
    {
        var breaker = new KeyedBreaker(Options());

        breaker.Open("tenant-a");

        Assert.Equal(CircuitState.Open, breaker.State("tenant-a"));
        Assert.IsType<BrokenCircuitException>(breaker.Succeed("tenant-a").Exception);
        Assert.Equal(CircuitState.Closed, breaker.State("tenant-b"));
        Assert.Equal(42, breaker.Succeed("tenant-b").Result);
        Assert.Equal(CircuitState.Closed, breaker.Provider.CircuitState); // the shared default breaker
    }

    [Fact]
    public void The_state_provider_reads_a_key_a_null_key_and_a_key_without_a_breaker()
    {
        var breaker = new KeyedBreaker(Options());
        breaker.Fail(null);
        breaker.Fail("a");
        breaker.Fail("a");

        Assert.Equal(2, breaker.Provider.GetMetrics("a").Failures);
        Assert.Equal(1, breaker.Provider.GetMetrics(null).Failures); // the shared default breaker
        Assert.Equal(breaker.Provider.Metrics, breaker.Provider.GetMetrics(null));
        Assert.Equal(default, breaker.Provider.GetMetrics("never-seen"));
        Assert.Equal(CircuitState.Closed, breaker.Provider.GetCircuitState("never-seen"));
        Assert.Equal(1, breaker.Provider.KeyCount);
    }

    [Fact]
    public void Without_a_selector_every_key_reads_the_one_breaker()
    {
        var plain = new Breaker(NewOptions(failureThreshold: 3));
        plain.Fail();

        Assert.Equal(1, plain.Options.StateProvider!.GetMetrics("any").Failures);
        Assert.Equal(CircuitState.Closed, plain.Options.StateProvider.GetCircuitState("any"));
        Assert.Equal(0, plain.Options.StateProvider.KeyCount);
    }

    [Fact]
    public void Each_key_has_its_own_window_and_half_open()
    {
        var breaker = new KeyedBreaker(Options());
        breaker.Fail("a");
        breaker.Fail("a");
        breaker.Fail("b");

        Assert.Equal(2, breaker.Provider.GetMetrics("a").Failures);
        Assert.Equal(1, breaker.Provider.GetMetrics("b").Failures);

        breaker.Open("a");
        breaker.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(42, breaker.Succeed("a").Result); // a's probe
        Assert.Equal(CircuitState.HalfOpen, breaker.State("a"));
        Assert.Equal(CircuitState.Closed, breaker.State("b"));
    }

    [Fact]
    public void A_null_key_goes_through_one_shared_default_breaker()
    {
        var breaker = new KeyedBreaker(Options());

        breaker.Fail(null);
        breaker.Fail(null);
        breaker.Fail(null);

        Assert.Equal(CircuitState.Open, breaker.Provider.CircuitState);
        Assert.Equal(CircuitState.Open, breaker.State(null));
        Assert.Equal(0, breaker.Provider.KeyCount); // the default breaker is not a key's
        Assert.Equal(CircuitState.Closed, breaker.State("a"));
        Assert.Null(breaker.Transitions.Single().BreakerKey);
    }

    [Fact]
    public void A_known_key_gets_the_same_breaker_on_every_call()
    {
        var breaker = new KeyedBreaker(Options());
        breaker.Succeed("a");
        var first = breaker.Keys.Find("a");

        breaker.Succeed("a");
        breaker.Succeed("b");

        Assert.Same(first, breaker.Keys.Find("a"));
        Assert.Equal(2, breaker.Keys.Created);
        Assert.Equal(2, breaker.Provider.KeyCount);
    }

    [Fact]
    public void Beyond_MaxKeys_the_least_recently_used_closed_breaker_is_forgotten()
    {
        var breaker = new KeyedBreaker(Options(maxKeys: 3));
        breaker.Succeed("a");
        breaker.Time.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed("b");
        breaker.Time.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed("c");
        breaker.Time.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed("a"); // a is now the most recently used; b the least
        breaker.Time.Advance(TimeSpan.FromSeconds(1));

        breaker.Succeed("d");

        Assert.Equal(3, breaker.Provider.KeyCount);
        Assert.Null(breaker.Keys.Find("b"));
        Assert.NotNull(breaker.Keys.Find("a"));
        Assert.NotNull(breaker.Keys.Find("c"));
        Assert.NotNull(breaker.Keys.Find("d"));
    }

    [Fact]
    public async Task Open_half_open_and_isolated_breakers_are_never_forgotten()
    {
        var breaker = new KeyedBreaker(Options(maxKeys: 3, idle: TimeSpan.FromMinutes(1)));
        breaker.Open("open");
        breaker.Open("half-open");
        breaker.Succeed("isolated");
        await breaker.Keys.Find("isolated")!.IsolateAsync();
        breaker.Time.Advance(TimeSpan.FromSeconds(30));
        breaker.Keys.Find("half-open")!.Metrics.ToString(); // no call: it stays half-open only once a probe is admitted
        breaker.Succeed("half-open");
        Assert.Equal(CircuitState.HalfOpen, breaker.State("half-open"));
        var open = breaker.Keys.Find("open");

        for (var i = 0; i < 100; i++)
        {
            breaker.Succeed($"key-{i}");
            breaker.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        breaker.Time.Advance(TimeSpan.FromMinutes(5)); // and idle for far longer than KeyIdleTimeout, with the break still running
        Assert.Same(open, breaker.Keys.Find("open"));
        Assert.Equal(CircuitState.HalfOpen, breaker.State("half-open"));
        Assert.Equal(CircuitState.Isolated, breaker.State("isolated"));
        Assert.Equal(3, breaker.Provider.KeyCount); // a soft cap: only breakers that are not closed are kept beyond it
    }

    [Fact]
    public void A_closed_breaker_unused_for_KeyIdleTimeout_is_forgotten()
    {
        var breaker = new KeyedBreaker(Options(idle: TimeSpan.FromMinutes(10)));
        breaker.Succeed("idle");
        breaker.Succeed("busy");
        breaker.Open("open");

        for (var minute = 0; minute < 11; minute++)
        {
            breaker.Time.Advance(TimeSpan.FromMinutes(1));
            breaker.Succeed("busy");
        }

        Assert.Null(breaker.Keys.Find("idle"));
        Assert.NotNull(breaker.Keys.Find("busy"));
        Assert.NotNull(breaker.Keys.Find("open")); // its break ended long ago, but no call has probed it: still open
        Assert.Equal(2, breaker.Provider.KeyCount);
    }

    [Fact]
    public void A_breaker_is_not_forgotten_before_KeyIdleTimeout()
    {
        var breaker = new KeyedBreaker(Options(idle: TimeSpan.FromMinutes(10)));
        breaker.Succeed("a");

        breaker.Time.Advance(TimeSpan.FromMinutes(9.5));

        Assert.NotNull(breaker.Keys.Find("a"));
    }

    [Fact]
    public void A_long_KeyIdleTimeout_is_checked_at_least_once_a_day()
    {
        var breaker = new KeyedBreaker(Options(idle: TimeSpan.FromDays(30)));
        breaker.Time.Advance(TimeSpan.FromDays(0.5));
        breaker.Succeed("a");

        breaker.Time.Advance(TimeSpan.FromDays(29.9));
        Assert.NotNull(breaker.Keys.Find("a"));

        breaker.Time.Advance(TimeSpan.FromDays(0.7)); // day 31.1: the daily check at day 31 found it idle for 30.5 days
        Assert.Null(breaker.Keys.Find("a")); // a tenth of the timeout (3 days) would check next at day 33
    }

    [Fact]
    public void With_a_manual_control_that_is_not_isolating_an_idle_breaker_is_still_forgotten()
    {
        var options = Options(idle: TimeSpan.FromMinutes(10));
        options.ManualControl = new SlowCallCircuitBreakerManualControl();
        var breaker = new KeyedBreaker(options);
        breaker.Succeed("a");

        breaker.Time.Advance(TimeSpan.FromMinutes(11));

        Assert.Null(breaker.Keys.Find("a"));
    }

    [Fact]
    public void Without_KeyIdleTimeout_an_unused_breaker_is_kept()
    {
        var breaker = new KeyedBreaker(Options(idle: null));
        breaker.Succeed("a");

        breaker.Time.Advance(TimeSpan.FromDays(30));

        Assert.NotNull(breaker.Keys.Find("a"));
    }

    [Fact]
    public void A_forgotten_key_comes_back_fresh_and_closed()
    {
        var breaker = new KeyedBreaker(Options(idle: TimeSpan.FromMinutes(10)));
        breaker.Fail("a");
        breaker.Fail("a"); // one failure short of opening
        var forgotten = breaker.Keys.Find("a");

        breaker.Time.Advance(TimeSpan.FromMinutes(12));
        Assert.Null(breaker.Keys.Find("a"));
        breaker.Fail("a");

        Assert.NotSame(forgotten, breaker.Keys.Find("a"));
        Assert.Equal(CircuitState.Closed, breaker.State("a"));
        Assert.Equal(1, breaker.Provider.GetMetrics("a").Failures);
        Assert.True(forgotten!.IsDisposed);
    }

    [Fact]
    public void A_breaker_that_recovered_is_forgettable_again()
    {
        var breaker = new KeyedBreaker(Options(maxKeys: 1));
        breaker.Open("a");
        breaker.Time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed("a");
        breaker.Succeed("a"); // SuccessThreshold 2: closed again
        Assert.Equal(CircuitState.Closed, breaker.State("a"));
        breaker.Time.Advance(TimeSpan.FromSeconds(1));

        breaker.Succeed("b");

        Assert.Null(breaker.Keys.Find("a"));
        Assert.Equal(1, breaker.Provider.KeyCount);
    }

    [Fact]
    public void Listeners_and_rejections_say_the_key()
    {
        var breaker = new KeyedBreaker(Options());

        breaker.Open("tenant-7");
        var rejection = Assert.IsType<BrokenCircuitException>(breaker.Succeed("tenant-7").Exception);

        var changed = Assert.Single(breaker.Transitions);
        Assert.Equal("tenant-7", changed.BreakerKey);
        Assert.Equal(CircuitState.Open, changed.NewState);
        var rejected = (OnCircuitRejectedArguments)breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitRejected).Single().Arguments!;
        Assert.Equal("tenant-7", rejected.BreakerKey);
        Assert.Contains("'tenant-7'", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slow_call_event_says_the_key()
    {
        var options = NewOptions(slowCallDurationThreshold: TimeSpan.FromSeconds(1));
        var breaker = new KeyedBreaker(options);
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(KeyedBreaker.TenantKey, "slow-tenant");

        breaker.Pipeline.Execute(
            static (_, time) =>
            {
                time.Advance(TimeSpan.FromSeconds(2));
                return 1;
            },
            context,
            breaker.Time);

        var slow = (OnSlowCallArguments)breaker.Telemetry.Named(SlowCallCircuitBreakerConstants.OnSlowCall).Single().Arguments!;
        Assert.Equal("slow-tenant", slow.BreakerKey);
    }

    [Fact]
    public async Task A_throwing_selector_is_the_calls_outcome_and_the_call_does_not_run()
    {
        var options = Options();
        options.KeySelector = _ => throw new FormatException("bad tenant");
        var breaker = new KeyedBreaker(options);
        var ran = false;

        var outcome = await breaker.Pipeline.ExecuteOutcomeAsync((_, _) => { ran = true; return Outcome.FromResultAsValueTask(1); }, ResilienceContextPool.Shared.Get(), 0);

        Assert.IsType<FormatException>(outcome.Exception);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_throwing_selector_on_a_non_generic_pipeline_is_the_calls_outcome_and_the_call_does_not_run()
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { KeySelector = _ => throw new FormatException("bad tenant") })
            .Build();
        var ran = false;

        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => { ran = true; return Outcome.FromResultAsValueTask(1); }, ResilienceContextPool.Shared.Get(), 0);

        Assert.IsType<FormatException>(outcome.Exception);
        Assert.False(ran);
    }

    [Fact]
    public async Task Manual_control_isolates_every_key_existing_and_future_and_closes_them_all()
    {
        var control = new SlowCallCircuitBreakerManualControl();
        var options = Options();
        options.ManualControl = control;
        var breaker = new KeyedBreaker(options);
        breaker.Succeed("existing");

        await control.IsolateAsync();

        Assert.IsType<IsolatedCircuitException>(breaker.Succeed("existing").Exception);
        Assert.IsType<IsolatedCircuitException>(breaker.Succeed("new").Exception);
        Assert.IsType<IsolatedCircuitException>(breaker.Succeed(null).Exception);
        Assert.Equal(CircuitState.Isolated, breaker.State("never-seen"));

        await control.CloseAsync();

        Assert.Equal(42, breaker.Succeed("existing").Result);
        Assert.Equal(42, breaker.Succeed("new").Result);
        Assert.Equal(42, breaker.Succeed(null).Result);
        Assert.Equal(42, breaker.Succeed("newer").Result);
    }

    [Fact]
    public void A_control_isolated_before_the_build_starts_every_key_isolated()
    {
        var options = Options();
        options.ManualControl = new SlowCallCircuitBreakerManualControl(isIsolated: true);
        var breaker = new KeyedBreaker(options);

        Assert.IsType<IsolatedCircuitException>(breaker.Succeed("a").Exception);
        Assert.IsType<IsolatedCircuitException>(breaker.Succeed(null).Exception);
    }

    [Fact]
    public async Task While_the_control_isolates_every_key_MaxKeys_still_bounds_memory()
    {
        // A breaker isolated by the strategy's control would come back isolated: forgetting it changes nothing a call sees.
        var control = new SlowCallCircuitBreakerManualControl();
        var options = Options(maxKeys: 10);
        options.ManualControl = control;
        var breaker = new KeyedBreaker(options);
        await control.IsolateAsync();

        for (var i = 0; i < 1_000; i++)
        {
            breaker.Succeed($"key-{i}");
        }

        Assert.InRange(breaker.Provider.KeyCount, 1, 10);
    }

    [Fact]
    public void Every_key_joins_the_fleet_as_name_slash_key_and_leaves_when_forgotten()
    {
        var fleet = new Fleet.RecordingFleet();
        var options = Options(maxKeys: 1);
        options.Name = "payments";
        options.Fleet = fleet;
        var breaker = new KeyedBreaker(options);

        breaker.Succeed("a");
        breaker.Time.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed("b");

        Assert.Equal(["payments", "payments/a", "payments/b"], fleet.Members.Select(m => m.Key));
        Assert.Equal("payments/a", Assert.Single(fleet.Left).Key);
    }

    [Fact]
    public void Disposing_the_pipeline_disposes_every_keys_breaker()
    {
        var time = new FakeTimeProvider();
        var options = Options(idle: TimeSpan.FromMinutes(1));
        options.KeySelector = static context => context.Properties.GetValue(KeyedBreaker.TenantKey, null);
        options.StateProvider = new SlowCallCircuitBreakerStateProvider();
        var registry = new Polly.Registry.ResiliencePipelineRegistry<string>();
        var pipeline = registry.GetOrAddPipeline<int>("p", b => { b.TimeProvider = time; b.AddSlowCallCircuitBreaker(options); });
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(KeyedBreaker.TenantKey, "a");
        pipeline.Execute(static _ => 1, context);
        var a = options.StateProvider.Keys!.Find("a")!;

        registry.Dispose();

        Assert.True(a.IsDisposed);
        Assert.True(options.StateProvider.Keys!.Find(null)!.IsDisposed);
        time.Advance(TimeSpan.FromMinutes(5)); // the idle timer is gone too: nothing runs on a disposed set
    }

    [Fact]
    public void Disposing_a_set_without_an_idle_timer_or_a_control_disposes_every_keys_breaker_and_it_forgets_nothing_after()
    {
        var options = Options(idle: null);
        options.KeySelector = static context => context.Properties.GetValue(KeyedBreaker.TenantKey, null);
        options.StateProvider = new SlowCallCircuitBreakerStateProvider();
        var registry = new Polly.Registry.ResiliencePipelineRegistry<string>();
        var pipeline = registry.GetOrAddPipeline<int>("p", b => b.AddSlowCallCircuitBreaker(options));
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(KeyedBreaker.TenantKey, "a");
        pipeline.Execute(static _ => 1, context);
        var keys = (KeyedCircuitBreakers<int>)options.StateProvider.Keys!;

        registry.Dispose();
        keys.ForgetIdle(); // a timer tick that was already under way when the set was disposed

        Assert.True(keys.Find("a")!.IsDisposed); // still listed: a disposed set is left as it was
        Assert.True(keys.Find(null)!.IsDisposed);
    }

    [Fact]
    public async Task Sixty_four_threads_on_ten_thousand_keys_lose_no_call_and_never_build_two_breakers_for_one_key()
    {
        const int Threads = 64;
        const int Keys = 10_000;
        var breaker = new KeyedBreaker(Options(maxKeys: Keys));
        var keys = Enumerable.Range(0, Keys).Select(i => $"tenant-{i}").ToArray();
        using var start = new Barrier(Threads);

        var threads = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                var order = keys.ToArray();
                new Random(t).Shuffle(order);
                start.SignalAndWait();
                foreach (var key in order)
                {
                    var outcome = breaker.Succeed(key);
                    Assert.Null(outcome.Exception);
                    Assert.Equal(42, outcome.Result);
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(threads);

        Assert.Equal(Keys, breaker.Keys.Created);
        Assert.Equal(Keys, breaker.Provider.KeyCount);
        Assert.All(keys, key => Assert.Equal(Threads, breaker.Provider.GetMetrics(key).Calls));
    }
}
