using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PollyBreakerExt;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="RedisCircuitBreakerFleet"/>: every slow-call breaker the container builds joins it under its
/// registry key (DESIGN W1), so replicas sharing a Redis and a key prefix learn together.
/// </summary>
public static class RedisCircuitBreakerFleetServiceCollectionExtensions
{
    /// <summary>Adds a fleet with the default options over a connection to Redis that the fleet makes (in the background) and disposes.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string, for example <c>redis:6379,password=…,ssl=true</c>.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The connection string cannot be read.</exception>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(this IServiceCollection services, string connectionString)
        => services.AddSlowCallCircuitBreakerRedisFleet(connectionString, static _ => { });

    /// <summary>Adds a fleet with the default options over an existing connection, which the fleet uses but does not dispose.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connection">The connection to Redis.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(this IServiceCollection services, IConnectionMultiplexer connection)
        => services.AddSlowCallCircuitBreakerRedisFleet(connection, static _ => { });

    /// <summary>Adds a fleet over a connection to Redis that the fleet makes (in the background) and disposes.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string, for example <c>redis:6379,password=…,ssl=true</c>.</param>
    /// <param name="configure">Sets the options; validated here.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The connection string cannot be read, or an option is out of range (the message names it).</exception>
    /// <remarks>
    /// Nothing waits for Redis: breakers work alone until the connection is up, then join their peers. The registry
    /// (<c>AddSlowCallCircuitBreakerRegistry</c>) is added too; the health check <c>AddSlowCallCircuitBreakers</c>
    /// reports Degraded while the fleet is disconnected. A breaker whose options already name a fleet keeps that one.
    /// </remarks>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(
        this IServiceCollection services,
        string connectionString,
        Action<RedisCircuitBreakerFleetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var configuration = Parse(connectionString);
        return Add(services, Configure(configure), () => Connect(configuration), ownsConnection: true);
    }

    /// <summary>Adds a fleet over a connection to Redis that the fleet makes (in the background) and disposes, its options bound from configuration.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string.</param>
    /// <param name="section">The options' section (<c>KeyPrefix</c>, <c>ReplicaId</c>, <c>Quorum</c>, <c>QuorumWindow</c>, <c>ProbeLease</c>, <c>SigningKey</c> as base64); validated here.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The connection string cannot be read, or a value is out of range (the message names its configuration key).</exception>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(this IServiceCollection services, string connectionString, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        var configuration = Parse(connectionString);
        return Add(services, Bind(section), () => Connect(configuration), ownsConnection: true);
    }

    /// <summary>Adds a fleet over an existing connection, which the fleet uses but does not dispose.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connection">The connection to Redis.</param>
    /// <param name="configure">Sets the options; validated here.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(
        this IServiceCollection services,
        IConnectionMultiplexer connection,
        Action<RedisCircuitBreakerFleetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connection);
        return Add(services, Configure(configure), () => Task.FromResult(connection), ownsConnection: false);
    }

    /// <summary>Adds a fleet over an existing connection, its options bound from configuration.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connection">The connection to Redis.</param>
    /// <param name="section">The options' section; validated here.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A value is out of range (the message names its configuration key).</exception>
    public static IServiceCollection AddSlowCallCircuitBreakerRedisFleet(this IServiceCollection services, IConnectionMultiplexer connection, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connection);
        return Add(services, Bind(section), () => Task.FromResult(connection), ownsConnection: false);
    }

    private static IServiceCollection Add(
        IServiceCollection services,
        RedisCircuitBreakerFleetOptions options,
        Func<Task<IConnectionMultiplexer>> connect,
        bool ownsConnection)
    {
        services.AddSingleton(serviceProvider => new RedisCircuitBreakerFleet(
            connect(),
            options,
            ownsConnection,
            serviceProvider.GetService<ILoggerFactory>(),
            serviceProvider.GetService<TimeProvider>()));
        services.AddSingleton<ICircuitBreakerFleet>(static serviceProvider => serviceProvider.GetRequiredService<RedisCircuitBreakerFleet>());
        services.AddSingleton<ICircuitBreakerFleetStatus>(static serviceProvider => new RedisCircuitBreakerFleetStatus(serviceProvider.GetRequiredService<RedisCircuitBreakerFleet>()));
        services.AddSlowCallCircuitBreakerRegistry();
        return services;
    }

    private static RedisCircuitBreakerFleetOptions Configure(Action<RedisCircuitBreakerFleetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RedisCircuitBreakerFleetOptions();
        configure(options);
        options.Validate();
        return options;
    }

    private static RedisCircuitBreakerFleetOptions Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new RedisCircuitBreakerFleetOptions();
        section.Bind(options);
        options.Validate(section.Path);
        return options;
    }

    private static ConfigurationOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"The Redis connection string cannot be read: {exception.Message}", nameof(connectionString), exception);
        }

        if (configuration.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis connection string names no endpoint (host:port).", nameof(connectionString));
        }

        // Never fail the host (or a call) because Redis is down: keep retrying in the background.
        configuration.AbortOnConnectFail = false;
        return configuration;
    }

    private static async Task<IConnectionMultiplexer> Connect(ConfigurationOptions configuration)
        => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
}
