using Microsoft.Extensions.Configuration;
using Polly.Registry;

namespace PollyBreakerExt.Redis.Tests.Docs;

/// <summary>The documentation's snippets do what the documentation says, against a real Redis.</summary>
public sealed class FleetSnippetTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_registration_snippet_makes_a_signed_fleet_with_a_quorum_that_the_handlers_breaker_joins()
    {
        var services = new ServiceCollection().AddLogging();
        FleetSnippets.Registration(services, _server.ConnectionString, new byte[32]);
        await using var provider = services.BuildServiceProvider();

        var fleet = provider.GetRequiredService<RedisCircuitBreakerFleet>();

        await Eventually.HoldsAsync(() => fleet.IsConnected, "the fleet connects");
        Assert.Single(provider.GetServices<ICircuitBreakerFleetStatus>());
    }

    [Fact]
    public async Task The_configuration_snippet_binds_its_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _server.ConnectionString,
            ["CircuitBreakerFleet:KeyPrefix"] = "shop-api",
            ["CircuitBreakerFleet:ReplicaId"] = "from-configuration",
            ["CircuitBreakerFleet:Quorum"] = "2",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        FleetSnippets.FromConfiguration(services, configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.Equal("from-configuration", provider.GetRequiredService<RedisCircuitBreakerFleet>().ReplicaId);
    }

    [Fact]
    public async Task The_manual_snippet_builds_a_breaker_in_the_fleet_and_the_operator_snippet_isolates_and_closes_it()
    {
        await using var connection = await _server.ConnectAsync();
        var pipeline = FleetSnippets.WithoutContainer(connection);
        await using var admin = await Replica.StartAsync(_server, prefix: "shop-api");
        var breaker = admin.Breaker("payments-slowcall/SlowCall-CircuitBreaker", TimeSpan.FromSeconds(30));

        await FleetSnippets.Operator(admin.Fleet);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(CircuitTransitionReason.Manual, breaker.TransitionsSoFar()[^1].Reason);
        Assert.Equal(CircuitState.Isolated, breaker.TransitionsSoFar()[0].NewState);
        Assert.Equal(42, pipeline.Execute(() => 42));
    }
}
