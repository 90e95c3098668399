using Polly.Telemetry;

namespace PollyBreakerExt.Tests.Docs;

/// <summary>The code shown in docs/design.md, docs/hung-dependencies.md and docs/shadow-mode.md, run as tests.</summary>
public class CoreSnippets
{
    [Fact]
    public void A_keyed_breaker_keeps_one_tenants_failures_from_another()
    {
        // snippet: keyed-breaker-options
        var tenantKey = new ResiliencePropertyKey<string>("tenant");
        var options = new SlowCallCircuitBreakerStrategyOptions
        {
            Name = "payment-api",
            KeySelector = context => context.Properties.GetValue(tenantKey, "default"),
            MaxKeys = 10_000,
            KeyIdleTimeout = TimeSpan.FromMinutes(10),
        };
        // end snippet

        var pipeline = new ResiliencePipelineBuilder { TimeProvider = new FakeTimeProvider() }.AddSlowCallCircuitBreaker(options).Build();
        void Call(string tenant, bool fail)
        {
            var context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(tenantKey, tenant);
            try
            {
                pipeline.Execute(_ => { if (fail) { throw new InvalidOperationException("down"); } }, context);
            }
            catch (InvalidOperationException)
            {
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        for (var i = 0; i < 5; i++)
        {
            Call("tenant-a", fail: true);
        }

        Assert.Throws<BrokenCircuitException>(() => Call("tenant-a", fail: false));
        Call("tenant-b", fail: false); // tenant-b's breaker is closed
    }

    [Fact]
    public void A_call_names_its_key_on_its_context()
    {
        var tenantKey = new ResiliencePropertyKey<string>("tenant");
        var state = new SlowCallCircuitBreakerStateProvider();
        var options = new SlowCallCircuitBreakerStrategyOptions
        {
            KeySelector = context => context.Properties.GetValue(tenantKey, "default"),
            StateProvider = state,
        };

        // snippet: keyed-breaker-call
        var pipeline = new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(options).Build();
        var callContext = ResilienceContextPool.Shared.Get();
        callContext.Properties.Set(tenantKey, "tenant-7");
        try
        {
            pipeline.Execute(_ => { /* call tenant-7's backend */ }, callContext);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(callContext);
        }
        // end snippet

        Assert.Equal(1, state.KeyCount);
        Assert.Equal(1, state.GetMetrics("tenant-7").Calls);
        Assert.Equal(0, state.Metrics.Calls); // the shared default breaker ran nothing
    }

    [Fact]
    public async Task A_hung_dependency_trips_the_breaker_while_its_calls_still_hang()
    {
        var time = new FakeTimeProvider();
        var hang = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        // snippet: hung-dependency-options
        var options = new SlowCallCircuitBreakerStrategyOptions
        {
            Name = "inventory-api",
            SlowCallDurationThreshold = TimeSpan.FromSeconds(2), // a call this long is slow, finished or not
            SlowCallRatio = 0.5,
            MinimumThroughput = 10,
            CountInFlightSlowCalls = true, // the default
        };
        // end snippet

        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddSlowCallCircuitBreaker(options).Build();

        // Ten calls reach a dependency that accepts them and never answers.
        var hanging = Enumerable.Range(0, 10).Select(_ => pipeline.ExecuteAsync(async _ => await hang.Task).AsTask()).ToList();
        time.Advance(TimeSpan.FromSeconds(2));

        // The next call finds ten calls running for the threshold: 10 calls, 10 slow. The breaker opens and rejects it.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(_ => ValueTask.FromResult("fresh")).AsTask());
        Assert.All(hanging, call => Assert.False(call.IsCompleted)); // still hanging

        hang.SetResult("late");
        await Task.WhenAll(hanging);
    }

    [Fact]
    public async Task In_shadow_mode_the_breaker_opens_but_every_call_runs_and_shadow_rejections_are_counted()
    {
        // snippet: shadow-mode-options
        var listener = new ShadowRejectionCounter();
        var pipeline = new ResiliencePipelineBuilder { TelemetryListener = listener }
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "payment-api",
                FailureThreshold = 3,
                ShadowMode = true, // watch first: it transitions and reports, but never rejects
            })
            .Build();
        // end snippet

        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.ExecuteAsync(_ => ValueTask.FromException<int>(new HttpRequestException("down"))).AsTask());
        }

        Assert.Equal(2, listener.WouldHaveRejected); // the 4th and 5th calls ran, though an enforcing breaker would have rejected them
        Assert.Equal(42, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(42)));
        Assert.Equal(3, listener.WouldHaveRejected);
    }

    // snippet: shadow-mode-listener
    internal sealed class ShadowRejectionCounter : TelemetryListener
    {
        private int _wouldHaveRejected;

        public int WouldHaveRejected => Volatile.Read(ref _wouldHaveRejected);

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Arguments is OnCircuitRejectedArguments { IsShadow: true })
            {
                Interlocked.Increment(ref _wouldHaveRejected);
            }
        }
    }
    // end snippet
}
