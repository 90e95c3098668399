using Microsoft.Extensions.Logging;

namespace PollyBreakerExt;

/// <summary>
/// The fleet's background work, one item at a time in the order given, so that callers never wait on Redis and a
/// trip is sent before the close that follows it. A failed item is handed to the fleet (which logs it and resyncs to
/// repair what it lost) and dropped.
/// </summary>
internal sealed class FleetWorkQueue : IAsyncDisposable
{
    private const int Capacity = 4096;

    private readonly Queue<Func<Task>> _pending = new();
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly Action<Exception> _failed;
    private TaskCompletionSource? _idle; // set by disposal while an item runs
    private bool _running; // an item runs, and the drain that runs it takes the pending ones after it
    private bool _stopped;

    public FleetWorkQueue(ILogger logger, Action<Exception> failed)
    {
        _logger = logger;
        _failed = failed;
    }

    /// <summary>Queues <paramref name="work"/> to run on the thread pool; never blocks. When the queue is full (Redis stalled for long), the item is dropped.</summary>
    public void Enqueue(Func<Task> work) => Add(work, here: false);

    /// <summary>
    /// Starts <paramref name="work"/> on the calling thread when nothing else runs or waits, up to its first wait (it sends
    /// its command and returns); queues it otherwise. A trip's report then reaches Redis without waiting for a pool thread
    /// to wake up, which on a busy machine is most of its delay (#20); the caller never waits on Redis either way.
    /// </summary>
    public void RunHereOrEnqueue(Func<Task> work) => Add(work, here: true);

    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            _stopped = true;
            _pending.Clear();
            if (_running)
            {
                idle = _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (idle is not null)
        {
            // An item waiting on a paused Redis may take until the client's timeout; disposal does not wait that long.
            await Task.WhenAny(idle.Task, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }
    }

    private void Add(Func<Task> work, bool here)
    {
        bool dropped;
        lock (_lock)
        {
            dropped = _stopped || _pending.Count >= Capacity;
            if (!dropped && _running)
            {
                _pending.Enqueue(work);
                return;
            }

            if (!dropped)
            {
                _running = true;
                if (!here)
                {
                    _pending.Enqueue(work);
                }
            }
        }

        if (dropped)
        {
            FleetLog.WorkDropped(_logger);
            return;
        }

        // The caller's execution context (its async locals, its activity) does not flow into the fleet's later work.
        using (ExecutionContext.SuppressFlow())
        {
            _ = here ? DrainAsync(work) : Task.Run(() => DrainAsync(first: null));
        }
    }

    private async Task DrainAsync(Func<Task>? first)
    {
        if (first is not null)
        {
            await RunAsync(first).ConfigureAwait(false);
            lock (_lock)
            {
                if (_stopped || _pending.Count == 0)
                {
                    Idle_NeedsLock();
                    return;
                }
            }

            // Items queued meanwhile run on the pool, never on the caller's thread, where the first may have ended.
            _ = Task.Run(() => DrainAsync(first: null));
            return;
        }

        while (true)
        {
            Func<Task>? work;
            lock (_lock)
            {
                if (_stopped || !_pending.TryDequeue(out work))
                {
                    Idle_NeedsLock();
                    return;
                }
            }

            await RunAsync(work).ConfigureAwait(false);
        }
    }

    private void Idle_NeedsLock()
    {
        _running = false;
        _idle?.TrySetResult();
    }

    private async Task RunAsync(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Redis being down is expected; the fleet keeps working alone and resyncs on reconnect.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _failed(exception);
        }
    }
}
