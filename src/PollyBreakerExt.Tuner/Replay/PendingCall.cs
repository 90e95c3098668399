using System.Threading.Tasks.Sources;
using Polly;

namespace PollyBreakerExt.Tuner.Replay;

/// <summary>
/// A call the breaker admitted that is still running on the fake clock: its callback returned this source's pending
/// task, and completing it at the call's end runs the breaker's recording inline (no continuation is queued: the
/// source runs continuations synchronously and the breaker awaits without a captured context). Reused from a pool.
/// </summary>
internal sealed class PendingCall : IValueTaskSource<Outcome<object>>
{
    private ManualResetValueTaskSourceCore<Outcome<object>> _core;

    public long EndMs { get; private set; }

    public bool Failure { get; private set; }

    /// <summary>Gets the pipeline's execution of this call, completed once <see cref="Complete"/> has run.</summary>
    public ValueTask<Outcome<object>> Execution { get; set; }

    public ResilienceContext? Context { get; set; }

    public ValueTask<Outcome<object>> Start(long endMs, bool failure)
    {
        _core.Reset();
        EndMs = endMs;
        Failure = failure;
        return new ValueTask<Outcome<object>>(this, _core.Version);
    }

    public void Complete(Outcome<object> outcome) => _core.SetResult(outcome);

    public Outcome<object> GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
