using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PollyBreakerExt.Extensions.Tests.Utils;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a random port that counts the requests it receives and answers as told.
/// </summary>
internal sealed class UpstreamServer : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once; generous, so a loaded machine does not fail it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrivals = new(0);
    private readonly SemaphoreSlim _releases = new(0);
    private int _requests;
    private Func<HttpContext, Task> _respond = context => Task.CompletedTask;

    private UpstreamServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the authority as the HttpClient resilience handler names per-authority instances.</summary>
    public string Authority => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Gets how many requests reached the server.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<UpstreamServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new UpstreamServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.Single());
        return server;
    }

    /// <summary>Answers every request with <paramref name="statusCode"/>.</summary>
    public UpstreamServer RespondWith(int statusCode)
    {
        _respond = context =>
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        };
        return this;
    }

    /// <summary>Holds every request until <see cref="Release"/> (then answers 200) or until the client gives up.</summary>
    public UpstreamServer HoldRequests()
    {
        _respond = async context =>
        {
            try
            {
                await _releases.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up (a timeout fired); nothing to answer.
            }
        };
        return this;
    }

    /// <summary>Lets one held request answer.</summary>
    public void Release() => _releases.Release();

    /// <summary>Waits until one more request has arrived.</summary>
    public async Task WaitForArrivalAsync()
    {
        if (!await _arrivals.WaitAsync(Patience))
        {
            throw new TimeoutException($"No request reached the server within {Patience}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrivals.Dispose();
        _releases.Dispose();
    }

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        _arrivals.Release();
        return _respond(context);
    }
}
