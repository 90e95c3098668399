using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PollyBreakerExt.Demo;

/// <summary>Builds the demo's web apps: Kestrel on loopback only, no configuration read from the machine, no console logging.</summary>
public static class LoopbackWebApp
{
    /// <summary>Creates a builder listening on <paramref name="url"/>, or on 127.0.0.1 at a free port when it is null.</summary>
    public static WebApplicationBuilder CreateBuilder(Uri? url = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (url is null)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
            else if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address))
            {
                kestrel.Listen(address, url.Port);
            }
            else
            {
                kestrel.ListenLocalhost(url.Port);
            }
        });

        return builder;
    }

    /// <summary>Gets the address a started app listens on, such as http://127.0.0.1:41234/.</summary>
    public static Uri GetAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
