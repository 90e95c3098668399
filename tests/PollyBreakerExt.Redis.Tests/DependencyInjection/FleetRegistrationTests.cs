using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.Registry;

namespace PollyBreakerExt.Redis.Tests.DependencyInjection;

/// <summary>DESIGN W1, F8: <c>AddSlowCallCircuitBreakerRedisFleet</c>: validated options, breakers of the container join by registry key, health.</summary>
public sealed class FleetRegistrationTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, Action<RedisCircuitBreakerFleetOptions>> BadOptions() => new()
    {
        { "KeyPrefix", options => options.KeyPrefix = " " },
        { "KeyPrefix", options => options.KeyPrefix = "shop{api" }, // a brace would be read as a Redis Cluster hash tag
        { "Quorum", options => options.Quorum = 0 },
        { "ProbeLease", options => options.ProbeLease = TimeSpan.Zero },
        { "QuorumWindow", options => options.QuorumWindow = TimeSpan.FromSeconds(-1) },
        { "SigningKey", options => options.SigningKey = new byte[31] },
        { "ReplicaId", options => options.ReplicaId = "" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_fail_at_registration_naming_the_property(string property, Action<RedisCircuitBreakerFleetOptions> configure)
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddSlowCallCircuitBreakerRedisFleet(_server.ConnectionString, configure));

        Assert.Equal(property, error.ParamName);
        Assert.Contains($"RedisCircuitBreakerFleetOptions.{property}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_configuration_fails_at_registration_naming_the_configuration_key()
    {
        var section = Configuration(("Fleet:Quorum", "0")).GetSection("Fleet");

        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddSlowCallCircuitBreakerRedisFleet(_server.ConnectionString, section));

        Assert.Contains("Fleet:Quorum must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_connection_string_fails_at_registration()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddSlowCallCircuitBreakerRedisFleet(",,,"));

        Assert.Equal("connectionString", error.ParamName);
    }

    [Fact]
    public async Task Options_bind_from_configuration_with_the_signing_key_as_base64()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var section = Configuration(
            ("Fleet:KeyPrefix", "shop"),
            ("Fleet:ReplicaId", "replica-7"),
            ("Fleet:Quorum", "2"),
            ("Fleet:QuorumWindow", "00:00:20"),
            ("Fleet:ProbeLease", "00:00:05"),
            ("Fleet:SigningKey", Convert.ToBase64String(key))).GetSection("Fleet");
        var services = new ServiceCollection().AddSlowCallCircuitBreakerRedisFleet(_server.ConnectionString, section);
        await using var provider = services.BuildServiceProvider();

        var fleet = provider.GetRequiredService<RedisCircuitBreakerFleet>();

        Assert.Equal("replica-7", fleet.ReplicaId);
        Assert.Same(fleet, provider.GetRequiredService<ICircuitBreakerFleet>());
        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet connects");
    }

    [Fact]
    public async Task Breakers_built_by_the_container_join_the_fleet_by_their_registry_key()
    {
        await using var replicaA = Container(services => services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(TrippingOptions("orders-breaker"))));
        await using var replicaB = Container(services => services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(TrippingOptions("orders-breaker"))));
        var pipelineA = replicaA.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        replicaB.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        var registryB = replicaB.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        await Eventually.HoldsAsync(() => replicaA.GetRequiredService<RedisCircuitBreakerFleet>().IsConnected && replicaB.GetRequiredService<RedisCircuitBreakerFleet>().IsConnected, "both fleets connect");

        Assert.Throws<InvalidOperationException>(() => pipelineA.Execute(() => throw new InvalidOperationException("the dependency failed")));

        await Eventually.HoldsAsync(() => Assert.Single(registryB.GetBreakers()).State == CircuitState.Open, "replica B's breaker opens");

        // The key is the registry key of DESIGN W1: pipeline / strategy.
        await replicaA.GetRequiredService<RedisCircuitBreakerFleet>().IsolateAsync("orders/orders-breaker");
        await Eventually.HoldsAsync(() => Assert.Single(registryB.GetBreakers()).State == CircuitState.Isolated, "replica B's breaker isolates");
    }

    [Fact]
    public async Task The_registered_fleet_control_names_the_replica_and_isolates_and_closes_fleet_wide()
    {
        await using var replicaA = Container(services => services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(TrippingOptions("orders-breaker"))));
        await using var replicaB = Container(services => services.AddResiliencePipeline("orders", builder => builder.AddSlowCallCircuitBreaker(TrippingOptions("orders-breaker"))));
        replicaB.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        var control = replicaA.GetRequiredService<ICircuitBreakerFleetControl>();
        var registryB = replicaB.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        await Eventually.HoldsAsync(() => control.IsConnected && replicaB.GetRequiredService<ICircuitBreakerFleetControl>().IsConnected, "both fleets connect");

        Assert.Equal(replicaA.GetRequiredService<RedisCircuitBreakerFleet>().ReplicaId, control.ReplicaId);
        await control.IsolateAsync("orders/orders-breaker");
        await Eventually.HoldsAsync(() => Assert.Single(registryB.GetBreakers()).State == CircuitState.Isolated, "replica B's breaker isolates");
        await control.CloseAsync("orders/orders-breaker");
        await Eventually.HoldsAsync(() => Assert.Single(registryB.GetBreakers()).State == CircuitState.Closed, "replica B's breaker closes");
    }

    [Fact]
    public async Task A_slow_call_resilience_handler_joins_the_fleet_under_its_pipeline_and_strategy_names()
    {
        var closed = ClosedPort();
        await using var replicaA = Container(services => services.AddHttpClient("payments", client => client.BaseAddress = closed).AddSlowCallResilienceHandler());
        await using var other = Container(_ => { });
        using var client = replicaA.GetRequiredService<IHttpClientFactory>().CreateClient("payments");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync("/"));
        var fleet = other.GetRequiredService<RedisCircuitBreakerFleet>();
        await Eventually.HoldsAsync(() => fleet.IsConnected && replicaA.GetRequiredService<RedisCircuitBreakerFleet>().IsConnected, "both fleets connect");

        await fleet.IsolateAsync("payments-slowcall/SlowCall-CircuitBreaker");

        var registry = replicaA.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        await Eventually.HoldsAsync(() => Assert.Single(registry.GetBreakers()).State == CircuitState.Isolated, "the handler's breaker isolates");
        await Assert.ThrowsAnyAsync<BrokenCircuitException>(() => client.GetAsync("/"));
    }

    [Fact]
    public async Task A_breaker_whose_options_name_a_fleet_keeps_it()
    {
        var own = new CountingFleet();
        await using var replica = Container(services => services.AddResiliencePipeline("orders", builder =>
        {
            var options = TrippingOptions("orders-breaker");
            options.Fleet = own;
            builder.AddSlowCallCircuitBreaker(options);
        }));

        replica.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");

        Assert.Equal("orders-breaker", Assert.Single(own.Joined));
    }

    [Fact]
    public async Task The_health_check_is_degraded_while_the_fleet_is_disconnected()
    {
        await using var replica = Container(services => services.AddHealthChecks().AddSlowCallCircuitBreakers());
        var health = replica.GetRequiredService<HealthCheckService>();
        var fleet = replica.GetRequiredService<RedisCircuitBreakerFleet>();
        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet connects");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        await _server.StopAsync();
        await Eventually.HoldsAsync(() => !fleet.IsConnected, "the fleet notices");

        var report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains($"Fleet replica {fleet.ReplicaId} is disconnected", Assert.Single(report.Entries).Value.Description, StringComparison.Ordinal);

        await _server.RestartAsync();
        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet reconnects", TimeSpan.FromSeconds(40));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
    }

    private static SlowCallCircuitBreakerStrategyOptions TrippingOptions(string name) => new()
    {
        Name = name,
        FailureThreshold = 1,
        MinimumThroughput = 1,
        BreakDuration = TimeSpan.FromSeconds(30),
    };

    private static IConfiguration Configuration(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => new KeyValuePair<string, string?>(pair.Key, pair.Value))).Build();

    private static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    private ServiceProvider Container(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(FleetLogs.Factory);
        services.AddSlowCallCircuitBreakerRedisFleet(_server.ConnectionString, options => options.KeyPrefix = "di");
        configure(services);
        var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<SlowCallCircuitBreakerRegistry>(); // as a host's startup would: the fleet starts connecting
        return provider;
    }

    private sealed class CountingFleet : ICircuitBreakerFleet
    {
        public List<string> Joined { get; } = [];

        public void Join(CircuitBreakerFleetMember member) => Joined.Add(member.Key);

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
}
