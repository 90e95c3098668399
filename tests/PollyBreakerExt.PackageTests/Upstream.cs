using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PollyBreakerExt.PackageTests;

/// <summary>A real Kestrel server on 127.0.0.1 (a free port) answering every request with <see cref="StatusCode"/>.</summary>
internal sealed class Upstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private Upstream(WebApplication app) => _app = app;

    public int StatusCode { get; set; } = 200;

    public int Requests => Volatile.Read(ref _requests);

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<Upstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new Upstream(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref upstream._requests);
            context.Response.StatusCode = upstream.StatusCode;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        upstream.BaseAddress = AddressOf(app);
        return upstream;
    }

    /// <summary>The address a started app listens on (it was given port 0: a free one).</summary>
    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
