using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace PollyBreakerExt.Redis.Tests.Docs;

/// <summary>
/// The snippets of docs/fleet.md and README.md's "Many replicas" section, so that the documentation keeps compiling;
/// <see cref="FleetSnippetTests"/> runs them against a real Redis.
/// </summary>
internal static class FleetSnippets
{
    public static void ReadmeOneLiner(WebApplicationBuilder builder)
    {
        // snippet: fleet-readme
        builder.Services.AddSlowCallCircuitBreakerRedisFleet(builder.Configuration.GetConnectionString("Redis")!); // e.g. "redis:6379"
        // end snippet
    }

    public static void Registration(IServiceCollection services, string redisConnectionString, byte[] signingKey)
    {
        // snippet: fleet-di
        services.AddSlowCallCircuitBreakerRedisFleet(redisConnectionString, options =>
        {
            options.KeyPrefix = "shop-api";            // one prefix per service whose replicas share breakers
            options.Quorum = 2;                        // two replicas must trip before the fleet opens
            options.ProbeLease = TimeSpan.FromSeconds(10);
            options.SigningKey = signingKey;           // >= 32 bytes, the same on every replica
        });
        services.AddHttpClient("payments").AddSlowCallResilienceHandler();
        // end snippet
    }

    public static void FromConfiguration(IServiceCollection services, IConfiguration configuration)
    {
        // snippet: fleet-configuration
        // "CircuitBreakerFleet": { "KeyPrefix": "shop-api", "Quorum": 2, "QuorumWindow": "00:01:00",
        //                          "ProbeLease": "00:00:10", "SigningKey": "<base64 of 32+ random bytes>" }
        services.AddSlowCallCircuitBreakerRedisFleet(
            configuration.GetConnectionString("Redis")!,
            configuration.GetSection("CircuitBreakerFleet"));
        // end snippet
    }

    public static ResiliencePipeline WithoutContainer(IConnectionMultiplexer connection)
    {
        // snippet: fleet-manual
        var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions { KeyPrefix = "shop-api" });
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "payments",   // the breaker key: the same on every replica
                Fleet = fleet,
            })
            .Build();
        // end snippet
        return pipeline;
    }

    public static async Task Operator(RedisCircuitBreakerFleet fleet)
    {
        // snippet: fleet-isolate
        await fleet.IsolateAsync("payments-slowcall/SlowCall-CircuitBreaker");   // every replica, and later joiners
        await fleet.CloseAsync("payments-slowcall/SlowCall-CircuitBreaker");     // every replica; stored state removed
        // end snippet
    }
}
