using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// Issue 19: a half-open probe under a single-threaded synchronization context (a UI's, a test runner's) that is never
/// pumped. The breaker posts nothing to it unless the call's ResilienceContext asks to continue on the captured context:
/// a probe completed elsewhere is recorded and closes the breaker at once.
/// </summary>
/// <remarks>
/// What was seen before came from the callers' own awaits (a test helper's <c>await</c> without <c>ConfigureAwait(false)</c>),
/// whose continuations the test runner's context runs later; the breaker's awaits follow <c>ContinueOnCapturedContext</c>.
/// </remarks>
public class SynchronizationContextTests
{
    [Fact]
    public async Task A_probe_completed_on_another_thread_closes_the_breaker_without_the_context_being_pumped()
    {
        var breaker = HalfOpenBreaker();
        var context = new UnpumpedContext();
        var release = new TaskCompletionSource<Outcome<int>>(); // completes its awaiters inline, on the releasing thread
        ValueTask<Outcome<int>> probe;
        using (context.Install())
        {
            probe = Execute(breaker, continueOnCapturedContext: false, _ => new ValueTask<Outcome<int>>(release.Task));
        }

        await Task.Run(() => release.SetResult(Outcome.FromResult(1)));

        Assert.True(probe.IsCompleted);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, context.Posted);
    }

    [Fact]
    public async Task A_probe_that_asks_to_continue_on_the_captured_context_completes_when_the_context_runs_it()
    {
        var breaker = HalfOpenBreaker();
        var context = new UnpumpedContext();
        var release = new TaskCompletionSource<Outcome<int>>();
        ValueTask<Outcome<int>> probe;
        using (context.Install())
        {
            probe = Execute(breaker, continueOnCapturedContext: true, _ => new ValueTask<Outcome<int>>(release.Task));
        }

        await Task.Run(() => release.SetResult(Outcome.FromResult(1)));
        Assert.False(probe.IsCompleted); // posted, as asked
        context.RunPosted();

        Assert.True(probe.IsCompleted);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private static Breaker HalfOpenBreaker()
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: 1, breakDuration: TimeSpan.FromSeconds(30), minimumThroughput: 1000));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        return breaker;
    }

    private static ValueTask<Outcome<int>> Execute(Breaker breaker, bool continueOnCapturedContext, Func<ResilienceContext, ValueTask<Outcome<int>>> callback)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext);
        return breaker.Pipeline.ExecuteOutcomeAsync((ctx, cb) => cb(ctx), context, callback);
    }

    /// <summary>A single-threaded context that only queues what is posted to it, until told to run it.</summary>
    private sealed class UnpumpedContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();

        public int Posted
        {
            get
            {
                lock (_posted)
                {
                    return _posted.Count;
                }
            }
        }

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_posted)
            {
                _posted.Enqueue((d, state));
            }
        }

        public void RunPosted()
        {
            var previous = Current;
            SetSynchronizationContext(this);
            try
            {
                while (true)
                {
                    (SendOrPostCallback Callback, object? State) next;
                    lock (_posted)
                    {
                        if (!_posted.TryDequeue(out next))
                        {
                            return;
                        }
                    }

                    next.Callback(next.State);
                }
            }
            finally
            {
                SetSynchronizationContext(previous);
            }
        }

        public IDisposable Install()
        {
            var previous = Current;
            SetSynchronizationContext(this);
            return new Restore(previous);
        }

        private sealed class Restore(SynchronizationContext? previous) : IDisposable
        {
            public void Dispose() => SetSynchronizationContext(previous);
        }
    }
}
