using Microsoft.Extensions.Logging.Abstractions;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>#20: a trip's report starts on the tripping caller's thread when the queue is idle, and keeps the queue's order.</summary>
public sealed class FleetWorkQueueTests
{
    [Fact]
    public async Task An_item_run_here_starts_before_the_caller_goes_on_and_returns_to_it_at_its_first_wait()
    {
        await using var queue = new FleetWorkQueue(NullLogger.Instance, _ => { });
        var redis = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callerThread = Environment.CurrentManagedThreadId;
        var startedOn = 0;

        queue.RunHereOrEnqueue(async () =>
        {
            startedOn = Environment.CurrentManagedThreadId;
            await redis.Task.ConfigureAwait(false); // Redis has not answered: the caller must not wait for it
        });

        Assert.Equal(callerThread, startedOn);
        redis.SetResult();
    }

    [Fact]
    public async Task An_item_run_here_waits_behind_work_under_way_and_work_queued_after_it_runs_after_it()
    {
        await using var queue = new FleetWorkQueue(NullLogger.Instance, _ => { });
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var firstGoesOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        queue.Enqueue(async () =>
        {
            firstStarted.SetResult();
            await firstGoesOn.Task.ConfigureAwait(false);
            order.Enqueue("sync");
        });
        await firstStarted.Task;

        queue.RunHereOrEnqueue(() =>
        {
            order.Enqueue("trip");
            return Task.CompletedTask;
        });
        queue.Enqueue(() =>
        {
            order.Enqueue("close");
            lastDone.SetResult();
            return Task.CompletedTask;
        });

        Assert.Empty(order); // the trip did not run on this thread while the sync was under way
        firstGoesOn.SetResult();
        await lastDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["sync", "trip", "close"], order);
    }

    [Fact]
    public async Task Work_queued_while_an_item_run_here_waits_runs_after_it_and_not_on_the_caller()
    {
        await using var queue = new FleetWorkQueue(NullLogger.Instance, _ => { });
        var redis = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var lastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        queue.RunHereOrEnqueue(async () =>
        {
            await redis.Task.ConfigureAwait(false);
            ran.Enqueue("trip");
        });
        queue.Enqueue(() =>
        {
            ran.Enqueue("close");
            lastDone.SetResult();
            return Task.CompletedTask;
        });

        Assert.Empty(ran);
        redis.SetResult();
        await lastDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["trip", "close"], ran);
    }
}
