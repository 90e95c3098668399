using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Scenario;

namespace PollyBreakerExt.Demo.Fleet;

/// <summary>One replica of the product API in the fleet mode: its own app, Redis connection, fleet and request counts.</summary>
public sealed class FleetReplica : IAsyncDisposable
{
    private int _ok;
    private int _notOk;

    private FleetReplica(string name, WebApplication app, BreakerTransitionLog transitions)
    {
        Name = name;
        App = app;
        Transitions = transitions;
        Registry = app.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
        Fleet = app.Services.GetRequiredService<RedisCircuitBreakerFleet>();
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(app), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name { get; }

    public WebApplication App { get; }

    public BreakerTransitionLog Transitions { get; }

    public SlowCallCircuitBreakerRegistry Registry { get; }

    public RedisCircuitBreakerFleet Fleet { get; }

    public HttpClient Http { get; }

    public int Ok => Volatile.Read(ref _ok);

    public int NotOk => Volatile.Read(ref _notOk);

    /// <summary>Gets the product API's breaker as the registry lists it, or null before its first request.</summary>
    public SlowCallCircuitBreakerSnapshot? Breaker
        => Registry.GetBreakers().FirstOrDefault(breaker => breaker.PipelineName == ProductApiApp.PipelineName);

    public CircuitState State => Breaker?.State ?? CircuitState.Closed;

    /// <summary>Starts a replica whose breakers join the fleet <paramref name="keyPrefix"/> over its own connection.</summary>
    public static async Task<FleetReplica> StartAsync(string name, string redis, string keyPrefix, Uri upstream, DemoTimings timings, CancellationToken cancellationToken)
    {
        var transitions = new BreakerTransitionLog();
        var app = ProductApiApp.Build(
            url: null,
            upstream,
            timings,
            transitions,
            configureServices: services => services.AddSlowCallCircuitBreakerRedisFleet(redis, options =>
            {
                options.KeyPrefix = keyPrefix;
                options.ReplicaId = name;
                options.ProbeLease = timings.Scale(5_000);
            }));
        await app.StartAsync(cancellationToken);
        return new FleetReplica(name, app, transitions);
    }

    /// <summary>Asks for a product; counts a 200 as ok and anything else (a 503 while open, a failure) as not.</summary>
    public async Task RequestAsync(int productId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync($"products/{productId}", cancellationToken);
            Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _ok : ref _notOk);
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref _notOk);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
