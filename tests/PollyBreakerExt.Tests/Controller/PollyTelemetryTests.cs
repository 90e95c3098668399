using Polly.Telemetry;
using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Issue #19: without a TelemetryListener the breaker reports its transitions at once, under its lock (reporting then runs
/// no code but Polly's own check for a listener), so it must tell the two cases apart and behave alike in both.
/// </summary>
public class PollyTelemetryTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_pipeline_with_a_telemetry_listener_has_one_and_a_pipeline_without_has_none()
    {
        Assert.True(PollyTelemetry.HasListener(TelemetryOf(new ResiliencePipelineBuilder { TelemetryListener = new RecordingTelemetryListener() })));
        Assert.False(PollyTelemetry.HasListener(TelemetryOf(new ResiliencePipelineBuilder())));
    }

    [Fact]
    public void Without_a_telemetry_listener_the_breaker_opens_probes_and_closes_as_with_one()
    {
        var time = new FakeTimeProvider();
        var options = Breaker.NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: Break);
        var state = options.StateProvider = new SlowCallCircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = time }.AddSlowCallCircuitBreaker(options).Build();

        for (var cycle = 0; cycle < 3; cycle++)
        {
            Assert.IsType<InvalidOperationException>(Run(pipeline, Outcome.FromException<int>(new InvalidOperationException("boom"))).Exception);
            Assert.Equal(CircuitState.Open, state.CircuitState);
            Assert.IsType<BrokenCircuitException>(Run(pipeline, Outcome.FromResult(1)).Exception);
            time.Advance(Break);
            Assert.Equal(1, Run(pipeline, Outcome.FromResult(1)).Result);
            Assert.Equal(CircuitState.Closed, state.CircuitState);
        }
    }

    [Fact]
    public async Task Without_a_telemetry_listener_a_transition_is_reported_at_once_and_left_to_no_flow()
    {
        var quiet = new CircuitEventDispatcher<int>("breaker", TelemetryOf(new ResiliencePipelineBuilder()), new SlowCallCircuitBreakerStrategyOptions<int>());
        var listener = new RecordingTelemetryListener();
        var heard = new CircuitEventDispatcher<int>("breaker", TelemetryOf(new ResiliencePipelineBuilder { TelemetryListener = listener }), new SlowCallCircuitBreakerStrategyOptions<int>());
        var context = ResilienceContextPool.Shared.Get();

        quiet.Enqueue(Opening(context));
        heard.Enqueue(Opening(context));

        Assert.Equal(0, quiet.Enqueued);
        Assert.Equal(1, heard.Enqueued);
        Assert.Empty(listener.Named(SlowCallCircuitBreakerConstants.OnCircuitOpened)); // heard only after the lock, by a dispatching flow
        await heard.DispatchAsync(context);
        Assert.Single(listener.Named(SlowCallCircuitBreakerConstants.OnCircuitOpened));
        ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public void A_telemetry_only_transition_after_the_first_allocates_nothing_more_than_the_first()
    {
        // The slot is free again once its transition is raised: the next one needs no queue (issue #19).
        var telemetry = TelemetryOf(new ResiliencePipelineBuilder { TelemetryListener = new SilentTelemetryListener() });
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        Raise(new CircuitEventDispatcher<int>("breaker", telemetry, options), transitions: 2); // the pooled context's event list made

        var one = Allocations.LeastOf(() => Raise(new CircuitEventDispatcher<int>("breaker", telemetry, options), transitions: 1));
        var two = Allocations.LeastOf(() => Raise(new CircuitEventDispatcher<int>("breaker", telemetry, options), transitions: 2));

        Assert.Equal(one, two);
    }

    private static void Raise(CircuitEventDispatcher<int> dispatcher, int transitions)
    {
        var context = ResilienceContextPool.Shared.Get();
        for (var i = 0; i < transitions; i++)
        {
            dispatcher.Enqueue(Opening(context));
            Assert.True(dispatcher.DispatchAsync(context).AsTask().IsCompletedSuccessfully);
        }

        ResilienceContextPool.Shared.Return(context);
    }

    private static CircuitTransition<int> Opening(ResilienceContext context)
        => new(context, CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold, Break, Outcome.FromResult(0));

    private static Outcome<int> Run(ResiliencePipeline<int> pipeline, Outcome<int> outcome)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            return pipeline.ExecuteOutcomeAsync((_, o) => new ValueTask<Outcome<int>>(o), context, outcome).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The telemetry Polly gives a strategy of <paramref name="builder"/>, caught by a factory that builds nothing.</summary>
    internal static ResilienceStrategyTelemetry TelemetryOf(ResiliencePipelineBuilder builder)
    {
        ResilienceStrategyTelemetry? telemetry = null;
        try
        {
            builder.AddStrategy((Func<StrategyBuilderContext, ResilienceStrategy>)(context => throw new InvalidOperationException((telemetry = context.Telemetry).ToString())), new SlowCallCircuitBreakerStrategyOptions()).Build();
        }
        catch (InvalidOperationException) when (telemetry is not null)
        {
        }

        return telemetry!;
    }

    private sealed class SilentTelemetryListener : TelemetryListener
    {
        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
        }
    }
}
