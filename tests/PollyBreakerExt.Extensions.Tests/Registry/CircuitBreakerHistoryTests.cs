using Polly.Registry;

namespace PollyBreakerExt.Extensions.Tests.Registry;

/// <summary>
/// What the registry remembers of each breaker for operators: its last 100 transitions newest first, since when it is in
/// its state, its rejections, and a feed of transitions; on the container's clock, from transitions only.
/// </summary>
public sealed class CircuitBreakerHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_ring_keeps_the_last_100_transitions_newest_first()
    {
        var ring = new CircuitBreakerTransitionRing(Start);
        for (var i = 1; i <= 130; i++)
        {
            ring.Add(new CircuitBreakerTransitionRecord(Start.AddSeconds(i), CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold));
        }

        var kept = ring.NewestFirst();

        Assert.Equal(CircuitBreakerTransitionRing.Capacity, kept.Length);
        Assert.Equal(Enumerable.Range(31, 100).Reverse().Select(i => Start.AddSeconds(i)), kept.Select(transition => transition.At));
        Assert.Equal(Start.AddSeconds(130), ring.StateSince);
        Assert.Equal(Start.AddSeconds(130), ring.Last?.At);
    }

    [Fact]
    public void An_empty_ring_is_in_its_state_since_it_was_listed()
    {
        var ring = new CircuitBreakerTransitionRing(Start);

        Assert.Empty(ring.NewestFirst());
        Assert.Null(ring.Last);
        Assert.Equal(Start, ring.StateSince);
    }

    [Theory]
    [InlineData("orders", null, "breaker", "orders/breaker")]
    [InlineData("payments", "https://pay.example:443", "breaker", "payments/https://pay.example:443/breaker")]
    [InlineData(null, "", "breaker", "breaker")]
    [InlineData("", null, "breaker", "breaker")]
    public void The_key_joins_the_names_with_slashes_leaving_empty_ones_out(string? pipeline, string? instance, string strategy, string key)
        => Assert.Equal(key, CircuitBreakerKey.Of(pipeline, instance, strategy));

    [Fact]
    public async Task Records_every_transition_of_a_registered_breaker_on_the_containers_clock()
    {
        var time = new FakeTimeProvider(Start);
        await using var services = Build(time);
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Throws<InvalidOperationException>(() => pipeline.Execute(static () => throw new InvalidOperationException()));
        time.Advance(TimeSpan.FromSeconds(4));
        await registry.CloseAsync("orders");

        var ring = registry.History.RingsByKey()["orders/breaker"];
        Assert.Equal(
            [
                new CircuitBreakerTransitionRecord(Start.AddSeconds(7), CircuitState.Open, CircuitState.Closed, CircuitTransitionReason.Manual),
                new CircuitBreakerTransitionRecord(Start.AddSeconds(3), CircuitState.Closed, CircuitState.Open, CircuitTransitionReason.FailureThreshold),
            ],
            ring.NewestFirst());
        Assert.Equal(Start.AddSeconds(7), ring.StateSince);
    }

    [Fact]
    public async Task Counts_rejections_under_the_names_the_registry_lists()
    {
        await using var services = Build(new FakeTimeProvider(Start));
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        Assert.Throws<InvalidOperationException>(() => pipeline.Execute(static () => throw new InvalidOperationException()));

        for (var i = 0; i < 3; i++)
        {
            Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(static () => { }));
        }

        var listed = Assert.Single(registry.GetBreakers());
        Assert.Equal(3, registry.History.RejectedCalls(listed.PipelineName, listed.PipelineInstanceName, listed.StrategyName));
        Assert.Equal(0, registry.History.RejectedCalls("other", null, "breaker"));
    }

    [Fact]
    public async Task Subscribers_hear_each_transition_with_the_breakers_key_until_they_unsubscribe()
    {
        await using var services = Build(new FakeTimeProvider(Start));
        var registry = services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        _ = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        var heard = new List<(string Key, CircuitState To)>();

        var subscription = registry.History.Subscribe((key, transition) => heard.Add((key, transition.To)));
        Assert.Equal(1, registry.History.SubscriberCount);
        await registry.IsolateAsync("orders");
        subscription.Dispose();
        subscription.Dispose();
        await registry.CloseAsync("orders");

        Assert.Equal([("orders/breaker", CircuitState.Isolated)], heard);
        Assert.Equal(0, registry.History.SubscriberCount);
    }

    private static ServiceProvider Build(FakeTimeProvider time)
        => TestServices.Build(time, services => services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(
            new SlowCallCircuitBreakerStrategyOptions { Name = "breaker", FailureThreshold = 1, BreakDuration = TimeSpan.FromMinutes(5) })));
}
