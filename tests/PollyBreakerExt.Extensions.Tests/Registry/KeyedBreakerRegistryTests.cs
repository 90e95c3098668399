using Polly.Registry;
using Xunit.Abstractions;

namespace PollyBreakerExt.Extensions.Tests.Registry;

/// <summary>
/// A keyed strategy's breakers (DESIGN W10) in a container: each key's breaker is listed, joins the container's fleet as
/// <c>name/key</c>, and leaves both once its strategy forgets it, so the registry stays as bounded as the keys.
/// </summary>
public sealed class KeyedBreakerRegistryTests(ITestOutputHelper output)
{
    private static readonly ResiliencePropertyKey<string> Tenant = new("tenant");
    private readonly FakeTimeProvider _time = new();
    private readonly ITestOutputHelper _output = output;

    [Fact]
    public async Task Lists_each_keys_breaker_with_its_key_beside_the_shared_default_one()
    {
        await using var services = TestServices.Build(_time, services => AddKeyed(services));
        var pipeline = Pipeline(services);

        Call(pipeline, "tenant-a");
        Call(pipeline, "tenant-b");

        var listed = Registry(services).GetBreakers().Select(breaker => (breaker.Key, breaker.BreakerKey, breaker.StrategyName)).ToList();
        Assert.Equal(
            [
                ("orders/breaker", null, "breaker"),
                ("orders/breaker/tenant-a", "tenant-a", "breaker"),
                ("orders/breaker/tenant-b", "tenant-b", "breaker"),
            ],
            listed);
    }

    [Fact]
    public async Task A_forgotten_keys_breaker_leaves_the_registry_and_the_fleet()
    {
        var fleet = new RecordingFleet();
        await using var services = TestServices.Build(_time, services =>
        {
            services.AddSingleton<ICircuitBreakerFleet>(fleet);
            AddKeyed(services, options => options.KeyIdleTimeout = TimeSpan.FromMinutes(1));
        });
        var pipeline = Pipeline(services);
        Call(pipeline, "tenant-a");
        Call(pipeline, "tenant-b");
        Assert.Equal(["orders/breaker", "orders/breaker/tenant-a", "orders/breaker/tenant-b"], fleet.Members);

        _time.Advance(TimeSpan.FromSeconds(40));
        Call(pipeline, "tenant-b");
        _time.Advance(TimeSpan.FromSeconds(40)); // tenant-a idle 80 s, tenant-b 40 s

        Assert.Equal(["orders/breaker", "orders/breaker/tenant-b"], Registry(services).GetBreakers().Select(breaker => breaker.Key));
        Assert.Equal(["orders/breaker", "orders/breaker/tenant-b"], fleet.Members);
    }

    [Fact]
    public async Task A_keys_breaker_counts_its_own_rejections_which_leave_with_it()
    {
        await using var services = TestServices.Build(_time, services => AddKeyed(services, options =>
        {
            options.FailureThreshold = 1;
            options.KeyIdleTimeout = TimeSpan.FromMinutes(1);
        }));
        var pipeline = Pipeline(services);
        var registry = Registry(services);
        Assert.Throws<InvalidOperationException>(() => Call(pipeline, "tenant-a", static () => throw new InvalidOperationException("down")));
        Call(pipeline, "tenant-b");
        Assert.Throws<BrokenCircuitException>(() => Call(pipeline, "tenant-a"));
        Assert.Throws<BrokenCircuitException>(() => Call(pipeline, "tenant-a"));

        Assert.Equal([("orders/breaker", 0L), ("orders/breaker/tenant-a", 2L), ("orders/breaker/tenant-b", 0L)], Rejected(registry));

        Assert.True(await registry.CloseByKeyAsync("orders/breaker/tenant-a"));
        _time.Advance(TimeSpan.FromMinutes(2)); // both keys idle past KeyIdleTimeout: forgotten
        Call(pipeline, "tenant-a"); // a new breaker for the key

        Assert.Equal([("orders/breaker", 0L), ("orders/breaker/tenant-a", 0L)], Rejected(registry));
        Assert.Equal(1, registry.KeyedEntryCount);
    }

    [Fact]
    public async Task Isolating_by_key_isolates_that_keys_breaker_only()
    {
        await using var services = TestServices.Build(_time, services => AddKeyed(services));
        var pipeline = Pipeline(services);
        Call(pipeline, "tenant-a");
        Call(pipeline, "tenant-b");

        Assert.True(await Registry(services).IsolateByKeyAsync("orders/breaker/tenant-a"));

        Assert.Throws<IsolatedCircuitException>(() => Call(pipeline, "tenant-a"));
        Call(pipeline, "tenant-b");
        Call(pipeline, null);
        Assert.True(await Registry(services).CloseByKeyAsync("orders/breaker/tenant-a"));
        Call(pipeline, "tenant-a");
        Assert.False(await Registry(services).IsolateByKeyAsync("orders/breaker/tenant-z"));
    }

    [Fact]
    public async Task A_million_keys_under_MaxKeys_10000_keep_the_registry_bounded()
    {
        const int MaxKeys = 10_000;
        await using var services = TestServices.Build(_time, services => AddKeyed(services, options => options.MaxKeys = MaxKeys));
        var pipeline = Pipeline(services);
        var registry = Registry(services);
        var most = 0;
        var mostKeyed = 0;

        for (var i = 0; i < 1_000_000; i++)
        {
            Call(pipeline, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i % 100_000 == 0)
            {
                most = Math.Max(most, registry.EntryCount);
                mostKeyed = Math.Max(mostKeyed, registry.KeyedEntryCount);
            }
        }

        // The live breakers: at most MaxKeys keys and the default one. The list drops dead entries once it has doubled.
        Assert.InRange(registry.GetBreakers().Count, MaxKeys / 2, MaxKeys + 1);
        Assert.InRange(most, 1, 2 * (MaxKeys + 1));
        Assert.InRange(registry.EntryCount, 1, MaxKeys + 1);
        Assert.InRange(mostKeyed, 1, 2 * (MaxKeys + 1)); // the keys' entries that count their rejections leave with the list's dead ones
        Assert.InRange(registry.KeyedEntryCount, 1, MaxKeys);
    }

    [Fact]
    public async Task A_listed_keys_breaker_costs_little_more_than_the_breaker_itself()
    {
        const int Keys = 10_000;
        await using var services = TestServices.Build(_time, services => AddKeyed(services, options => options.MaxKeys = Keys));
        var pipeline = Pipeline(services);
        var names = Enumerable.Range(0, Keys).Select(i => $"tenant-{i:D5}").ToArray();
        Call(pipeline, names[0]);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var name in names)
        {
            Call(pipeline, name);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perKey = (after - before) / (Keys - 1);
        _output.WriteLine($"{perKey} bytes per key, breaker and registry entry (its history, metrics and fleet hooks) together");

        Assert.Equal(Keys + 1, Registry(services).GetBreakers().Count);
        Assert.InRange(perKey, 1, 5_120); // the core's breaker is about 3.3 KB; a full history ring up front would add 3.2 KB more
    }

    private static void AddKeyed(IServiceCollection services, Action<SlowCallCircuitBreakerStrategyOptions>? configure = null)
        => services.AddResiliencePipeline("orders", builder =>
        {
            var options = new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "breaker",
                KeySelector = context => context.Properties.GetValue(Tenant, null!),
            };
            configure?.Invoke(options);
            builder.AddSlowCallCircuitBreaker(options);
        });

    private static ResiliencePipeline Pipeline(ServiceProvider services)
        => services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");

    private static SlowCallCircuitBreakerRegistry Registry(ServiceProvider services)
        => services.GetRequiredService<SlowCallCircuitBreakerRegistry>();

    private static IReadOnlyList<(string Key, long RejectedCalls)> Rejected(SlowCallCircuitBreakerRegistry registry)
        => [.. SlowCallCircuitBreakerStatus.ListAll(registry).Select(status => (status.Key, status.RejectedCalls))];

    private static void Call(ResiliencePipeline pipeline, string? tenant, Action? body = null)
    {
        var context = ResilienceContextPool.Shared.Get();
        if (tenant is not null)
        {
            context.Properties.Set(Tenant, tenant);
        }

        try
        {
            pipeline.Execute(static (_, body) => body?.Invoke(), context, body);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>A fleet that only keeps who joined and has not left, in order.</summary>
    private sealed class RecordingFleet : ICircuitBreakerFleet
    {
        private readonly List<CircuitBreakerFleetMember> _members = [];

        public IReadOnlyList<string> Members
        {
            get
            {
                lock (_members)
                {
                    return [.. _members.Select(member => member.Key)];
                }
            }
        }

        public void Join(CircuitBreakerFleetMember member)
        {
            lock (_members)
            {
                _members.Add(member);
            }
        }

        public void Leave(CircuitBreakerFleetMember member)
        {
            lock (_members)
            {
                _members.Remove(member);
            }
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
}
