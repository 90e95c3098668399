using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Polly.Registry;

namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>
/// A real Kestrel app on 127.0.0.1 with the breaker registry, one pipeline per <see cref="TestBreaker"/>, the operator
/// endpoints at <c>/circuits</c>, every log kept in a fake collector, and an HttpClient pointed at it.
/// </summary>
internal sealed class CircuitsApp : IAsyncDisposable
{
    private CircuitsApp(WebApplication app, IReadOnlyList<TestBreaker> breakers)
    {
        App = app;
        Breakers = breakers;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        Logs = app.Services.GetFakeLogCollector();
        Registry = app.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
    }

    public WebApplication App { get; }

    public IReadOnlyList<TestBreaker> Breakers { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public FakeLogCollector Logs { get; }

    public SlowCallCircuitBreakerRegistry Registry { get; }

    public CircuitBreakerHistory History => Registry.History;

    /// <summary>Gets what the endpoints at <c>/circuits</c> read, found as their metadata.</summary>
    public CircuitDashboard Dashboard
        => App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(endpoint => endpoint.Metadata.GetMetadata<CircuitDashboard>())
            .First(dashboard => dashboard is not null)!;

    /// <summary>
    /// Moves the fake clock to each next whole second from <paramref name="start"/>, waiting each time until the ratio
    /// history took its sample; <paramref name="eachSecond"/> runs before each move and may move the clock by less than a second.
    /// </summary>
    public async Task AdvanceSecondsAsync(FakeTimeProvider time, int seconds, Action<int>? eachSecond = null, DateTimeOffset? start = null)
    {
        var origin = start ?? time.GetUtcNow();
        for (var second = 0; second < seconds; second++)
        {
            eachSecond?.Invoke(second);
            var before = time.GetUtcNow();
            time.Advance(origin.AddSeconds(second + 1) - before);
            for (var wait = 0; wait < 400 && !Sampled(before); wait++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
            }

            Assert.True(Sampled(before), "the ratio history took no sample after a second");
        }

        bool Sampled(DateTimeOffset before)
            => Dashboard.Ratios.Copy().Values.FirstOrDefault() is not { Length: > 0 } samples || samples[^1].T > before.ToUnixTimeMilliseconds();
    }

    /// <summary>Starts the app; each breaker's pipeline is built (so listed) before this returns.</summary>
    public static async Task<CircuitsApp> StartAsync(
        IEnumerable<TestBreaker> breakers,
        TimeProvider? time = null,
        int port = 0,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null)
    {
        var list = breakers.ToList();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFakeLogging();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSlowCallCircuitBreakerRegistry();
        foreach (var breaker in list)
        {
            builder.Services.AddResiliencePipeline(breaker.Pipeline, pipeline =>
            {
                if (breaker.Instance is not null)
                {
                    pipeline.InstanceName = breaker.Instance;
                }

                var options = new SlowCallCircuitBreakerStrategyOptions
                {
                    Name = breaker.Strategy,
                    FailureThreshold = 1,
                    BreakDuration = TimeSpan.FromMinutes(30),
                    SlowCallDurationThreshold = null,
                };
                breaker.Configure?.Invoke(options);
                pipeline.AddSlowCallCircuitBreaker(options);
            });
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers();
        map?.Invoke(app);
        await app.StartAsync();

        foreach (var breaker in list)
        {
            _ = app.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(breaker.Pipeline);
        }

        return new CircuitsApp(app, list);
    }

    public ResiliencePipeline Pipeline(TestBreaker breaker)
        => App.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(breaker.Pipeline);

    /// <summary>Trips the breaker: one failed call (each breaker trips on its first failure).</summary>
    public void Trip(TestBreaker breaker)
        => Assert.Throws<InvalidOperationException>(() => Pipeline(breaker).Execute(static () => throw new InvalidOperationException("upstream failed")));

    /// <summary>Calls through an open breaker, which rejects.</summary>
    public void Reject(TestBreaker breaker)
        => Assert.Throws<BrokenCircuitException>(() => Pipeline(breaker).Execute(static () => { }));

    public CircuitState StateOf(TestBreaker breaker)
        => Assert.Single(Registry.GetBreakers(), snapshot => snapshot.PipelineName == breaker.Pipeline).State;

    /// <summary>
    /// Gets every log written at Error or above, which a request of the endpoints must never cause; but for Polly's own
    /// report of a breaker opening, which is an Error by design (DESIGN, Semantics 7) and which tests cause on purpose.
    /// </summary>
    public IReadOnlyList<FakeLogRecord> Errors()
        => Logs.GetSnapshot().Where(record => record.Level >= LogLevel.Error && record.Category != "Polly").ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
