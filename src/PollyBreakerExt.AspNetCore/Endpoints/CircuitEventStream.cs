using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PollyBreakerExt;

/// <summary>
/// <c>GET {pattern}/stream</c>: server-sent events, a <c>transition</c> event per transition as it happens and a
/// <c>snapshot</c> of every breaker at once and then each second; first of all, a <c>history</c> of the last five minutes'
/// ratios, for the page's charts.
/// </summary>
/// <remarks>
/// Transitions are queued by the breaker's thread and written by the request's own loop, so a slow client never holds up a
/// breaker; the queue is bounded and drops the oldest (the next snapshot has the state anyway). The stream ends when the
/// client leaves or the app stops, and then nothing of it is left subscribed.
/// </remarks>
internal static class CircuitEventStream
{
    /// <summary>How long a browser waits before reconnecting after the stream ended.</summary>
    public const int RetryMilliseconds = 1000;

    private const int QueueCapacity = 64;
    private static readonly TimeSpan SnapshotPeriod = TimeSpan.FromSeconds(1);

    public static async Task WriteAsync(HttpContext context, CircuitDashboard dashboard)
    {
        var stopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = ended.Token;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx would otherwise hold events back
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var queue = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        using var subscription = dashboard.History.Subscribe((key, transition) => queue.Writer.TryWrite(new StreamItem(key, transition)));
        var ticks = TickAsync(queue.Writer, dashboard.TimeProvider, token);
        try
        {
            await response.WriteAsync($"retry: {RetryMilliseconds}\n\n", token).ConfigureAwait(false);
            await WriteEventAsync(response, "history", new CircuitHistoryJson(dashboard.TimeProvider.GetUtcNow(), dashboard.Ratios.Copy()), CircuitEndpointsJsonContext.Default.CircuitHistoryJson, token).ConfigureAwait(false);
            await WriteSnapshotAsync(response, dashboard, token).ConfigureAwait(false);
            await foreach (var item in queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (item.Key is null)
                {
                    await WriteSnapshotAsync(response, dashboard, token).ConfigureAwait(false);
                }
                else
                {
                    await WriteEventAsync(response, "transition", CircuitTransitionJson.Of(item.Key, item.Transition), CircuitEndpointsJsonContext.Default.CircuitTransitionJson, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client left or the app is stopping: the stream simply ends.
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The connection broke under a write: the client is gone, which is no error of the server's.
        }
        finally
        {
            await ended.CancelAsync().ConfigureAwait(false);
            await ticks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task TickAsync(ChannelWriter<StreamItem> queue, TimeProvider timeProvider, CancellationToken token)
    {
        using var timer = new PeriodicTimer(SnapshotPeriod, timeProvider);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            queue.TryWrite(default);
        }
    }

    private static Task WriteSnapshotAsync(HttpResponse response, CircuitDashboard dashboard, CancellationToken token)
        => WriteEventAsync(response, "snapshot", new CircuitSnapshotJson(dashboard.TimeProvider.GetUtcNow(), dashboard.List()), CircuitEndpointsJsonContext.Default.CircuitSnapshotJson, token);

    private static async Task WriteEventAsync<T>(HttpResponse response, string name, T data, JsonTypeInfo<T> type, CancellationToken token)
    {
        // JSON without indentation has no line breaks, so the data fits one "data:" line.
        var json = JsonSerializer.Serialize(data, type);
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    /// <summary>A transition to send, or (no key) the tick that asks for a snapshot.</summary>
    private readonly record struct StreamItem(string? Key, CircuitBreakerTransitionRecord Transition);
}
