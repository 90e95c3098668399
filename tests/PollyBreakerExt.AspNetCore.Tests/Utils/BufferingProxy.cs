using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer; // not StackExchange.Redis.IServer, which the fleet tests import
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>
/// A reverse proxy on 127.0.0.1 that holds each response until the upstream has sent all of it, as nginx does by default
/// for proxied responses: pages and JSON get through whole, an event stream never gets through at all.
/// </summary>
internal sealed class BufferingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private BufferingProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri Address { get; }

    public static async Task<BufferingProxy> StartAsync(Uri upstreamAddress)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = upstreamAddress, Timeout = Timeout.InfiniteTimeSpan };
        app.Run(context => ForwardAsync(context, upstream));
        await app.StartAsync();
        return new BufferingProxy(app, upstream);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private static async Task ForwardAsync(HttpContext context, HttpClient upstream)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString);
        foreach (var header in context.Request.Headers.Where(header => header.Key != "Host"))
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }

        try
        {
            // ResponseContentRead: nothing is passed on before the upstream's whole body is in.
            using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseContentRead, context.RequestAborted);
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers).Where(header => header.Key is not ("Transfer-Encoding" or "Content-Length")))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }

            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException && context.RequestAborted.IsCancellationRequested)
        {
            // The browser left (or the upstream stopped) while the proxy was still holding a stream back.
        }
    }
}
