namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>#20, B6: breakers that leave the fleet are forgotten, so a process that makes and drops many keeps nothing of them.</summary>
public sealed class ForgottenBreakersTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_keyed_breaker_that_forgets_its_closed_keys_beyond_max_keys_leaves_the_fleet_with_them()
    {
        const int MaxKeys = 10;
        await using var replica = await Replica.StartAsync(_server);
        var tenant = new ResiliencePropertyKey<string>("tenant");
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
            {
                Name = "payments",
                Fleet = replica.Fleet,
                KeySelector = context => context.Properties.GetValue(tenant, "none"),
                MaxKeys = MaxKeys,
            })
            .Build();

        for (var i = 0; i < 1_000; i++)
        {
            var context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(tenant, $"tenant-{i}");
            Assert.Equal(42, pipeline.Execute(static _ => 42, context));
            ResilienceContextPool.Shared.Return(context);
        }

        await replica.Fleet.DrainAsync();
        Assert.InRange(replica.Fleet.KeyCount, 1, MaxKeys * 2);
    }
}
