using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PollyBreakerExt.Chaos.Tests;

/// <summary>What the upstream does to each request.</summary>
public enum UpstreamMode
{
    Healthy,

    /// <summary>Answers 503.</summary>
    ServerError,

    /// <summary>Drops the connection without an answer: the client sees <see cref="HttpRequestException"/>.</summary>
    Abort,

    /// <summary>Answers 200 after <see cref="ChaosUpstream.Latency"/>.</summary>
    Slow,
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port that injects faults and latency on demand, and counts the
/// requests that reached it.
/// </summary>
public sealed class ChaosUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ChaosUpstream(WebApplication app) => _app = app;

    public UpstreamMode Mode { get; set; }

    public TimeSpan Latency { get; set; } = TimeSpan.FromSeconds(1.5);

    public int Requests => Volatile.Read(ref _requests);

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ChaosUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new ChaosUpstream(app);

        app.MapGet("/", async context =>
        {
            Interlocked.Increment(ref upstream._requests);
            switch (upstream.Mode)
            {
                case UpstreamMode.ServerError:
                    context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
                    break;
                case UpstreamMode.Abort:
                    context.Abort();
                    return;
                case UpstreamMode.Slow:
                    await Task.Delay(upstream.Latency, context.RequestAborted);
                    break;
            }

            await context.Response.WriteAsync("ok", context.RequestAborted);
        });

        // The slow path, whatever the mode: for cancellations in flight.
        app.MapGet("/slow", async context =>
        {
            Interlocked.Increment(ref upstream._requests);
            await Task.Delay(upstream.Latency, context.RequestAborted);
            await context.Response.WriteAsync("late", context.RequestAborted);
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.BaseAddress = new Uri(address);
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
