using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace PollyBreakerExt;

/// <summary>
/// The fleet's background work, one item at a time in the order given, so that callers never wait on Redis and a
/// trip is sent before the close that follows it. A failed item is logged, handed to the fleet (which resyncs to repair
/// what it lost) and dropped.
/// </summary>
internal sealed class FleetWorkQueue : IAsyncDisposable
{
    private const int Capacity = 4096;

    private readonly Channel<Func<Task>> _work = Channel.CreateBounded<Func<Task>>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private readonly ILogger _logger;
    private readonly Action<Exception> _failed;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();

    public FleetWorkQueue(ILogger logger, Action<Exception> failed)
    {
        _logger = logger;
        _failed = failed;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="work"/>; never blocks. When the queue is full (Redis stalled for long), the item is dropped.</summary>
    public void Enqueue(Func<Task> work)
    {
        if (!_work.Writer.TryWrite(work))
        {
            FleetLog.WorkDropped(_logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        _stopping.Cancel();

        // An item waiting on a paused Redis may take until the client's timeout; disposal does not wait that long.
        await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await work().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Redis being down is expected; the fleet keeps working alone and resyncs on reconnect.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                FleetLog.WorkFailed(_logger, exception);
                _failed(exception);
            }
        }
    }
}
