using System.Net;
using System.Net.Sockets;

namespace PollyBreakerExt.Extensions.Tests.Utils;

/// <summary>
/// An address on 127.0.0.1 where nothing listens, so connections to it are refused.
/// </summary>
internal static class ClosedPort
{
    public static Uri Create()
    {
        // Take a free port from the OS and let it go: connecting to it now is refused at once.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
