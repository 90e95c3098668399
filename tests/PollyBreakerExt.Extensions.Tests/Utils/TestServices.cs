namespace PollyBreakerExt.Extensions.Tests.Utils;

/// <summary>
/// A real container with the pipelines' clock replaced by a fake one, and the breaker registry.
/// </summary>
internal static class TestServices
{
    public static ServiceProvider Build(FakeTimeProvider time, Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();

        // Polly's DI builder takes its TimeProvider from the container: timeouts, retry delays and the breaker's clock all run on it.
        services.AddSingleton<TimeProvider>(time);
        services.AddSlowCallCircuitBreakerRegistry();

        // Straight to the loopback servers, whatever proxy the environment names.
        services.ConfigureHttpClientDefaults(client => client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false }));
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static SlowCallCircuitBreakerSnapshot Breaker(this ServiceProvider services, string pipelineName, string? instanceName = null)
        => Assert.Single(
            services.GetRequiredService<SlowCallCircuitBreakerRegistry>().GetBreakers(),
            breaker => breaker.PipelineName == pipelineName && breaker.PipelineInstanceName == instanceName);
}
