using System.Collections;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Replay;

/// <summary>
/// Replays a trace through the real breaker (<c>AddSlowCallCircuitBreaker</c> in a <see cref="ResiliencePipeline"/>) on
/// a <see cref="FakeTimeProvider"/>: an event-driven simulation in which calls overlap as their times say.
/// </summary>
/// <remarks>
/// Events in time order; at one millisecond, completions come before admissions, completions in admission order, and
/// admissions in the trace's row order (W5). A call that ends before anything else happens (every sequential call, every
/// zero-length call) runs inside its callback: the callback moves the clock to its end and returns, the breaker's
/// synchronous path, no allocation. A call that overlaps others returns a pending task that is completed when the clock
/// reaches its end.
/// </remarks>
internal sealed class TraceReplayer
{
    private static readonly Exception RecordedFailure = new InvalidOperationException("The call failed in the recorded trace.");
    private static readonly Outcome<object> SuccessOutcome = Outcome.FromResult<object>(null!);
    private static readonly Outcome<object> FailureOutcome = Outcome.FromException<object>(RecordedFailure);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private readonly PriorityQueue<PendingCall, (long EndMs, long Sequence)> _running = new();
    private readonly Stack<PendingCall> _pool = new();
    private readonly ResiliencePipeline _pipeline;
    private readonly ReplayTimeline? _timeline;
    private readonly long _traceEndMs;
    private long _nowMs = long.MinValue;
    private long _sequence;
    private bool _admitted;
    private PendingCall? _started;
    private TraceCall _current;
    private bool _hasNext;
    private TraceCall _next;
    private long _opens;
    private long _timeOpenMs;
    private long? _openSinceMs;
    private long? _firstOpenMs;

    private TraceReplayer(CandidateOptions candidate, long traceEndMs, ReplayTimeline? timeline)
    {
        _traceEndMs = traceEndMs;
        _timeline = timeline;
        var options = candidate.CreateOptions();
        options.OnStateChanged = OnStateChanged;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = _clock }.AddSlowCallCircuitBreaker(options).Build();
    }

    /// <summary>Replays <paramref name="trace"/> with the <paramref name="candidate"/>'s options.</summary>
    /// <param name="trace">The calls.</param>
    /// <param name="candidate">The options.</param>
    /// <param name="decisions">If given, bit <c>row</c> is set when that row was admitted.</param>
    /// <param name="timeline">If given, receives transitions and binned calls for a chart.</param>
    public static ReplayResult Run(SortedTrace trace, CandidateOptions candidate, BitArray? decisions = null, ReplayTimeline? timeline = null)
    {
        // Without a synchronization context, every continuation inside the breaker runs inline when a call completes.
        // Under one (a test runner's, a UI's), a half-open probe's completion was seen to be posted to it instead.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            using var cursor = trace.OpenCursor();
            return new TraceReplayer(candidate, trace.EndMs, timeline).Run(cursor, decisions);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private ReplayResult Run(TraceCursor cursor, BitArray? decisions)
    {
        long calls = 0, admitted = 0, rejectedSuccesses = 0, admittedFailures = 0;
        _hasNext = cursor.TryRead(out _next);
        while (_hasNext)
        {
            _current = _next;
            _hasNext = cursor.TryRead(out _next);
            CompleteRunningUpTo(_current.StartMs);
            MoveClockTo(_current.StartMs);

            var wasAdmitted = Admit();
            calls++;
            if (wasAdmitted)
            {
                admitted++;
                admittedFailures += _current.Failure ? 1 : 0;
            }
            else
            {
                rejectedSuccesses += _current.Failure ? 0 : 1;
            }

            decisions?.Set((int)_current.Row, wasAdmitted);
            _timeline?.Add(_current.StartMs, wasAdmitted, _current.Failure);
        }

        CompleteRunningUpTo(long.MaxValue);
        if (_openSinceMs is { } since)
        {
            _timeOpenMs += Math.Max(0, _traceEndMs - since);
        }

        return new ReplayResult(calls, admitted, calls - admitted, rejectedSuccesses, admittedFailures, _opens, _timeOpenMs, _firstOpenMs);
    }

    private bool Admit()
    {
        _admitted = false;
        _started = null;
        var context = ResilienceContextPool.Shared.Get();
        var execution = _pipeline.ExecuteOutcomeAsync(static (_, replayer) => replayer.RunCallback(), context, this);
        if (execution.IsCompleted)
        {
            _ = execution.Result;
            ResilienceContextPool.Shared.Return(context);
        }
        else
        {
            var pending = _started ?? throw new InvalidOperationException("The breaker did not decide a call synchronously; the replay cannot stay exact.");
            pending.Execution = execution;
            pending.Context = context;
        }

        return _admitted;
    }

    /// <summary>The breaker admitted the current call and runs it.</summary>
    private ValueTask<Outcome<object>> RunCallback()
    {
        _admitted = true;
        var end = _current.EndMs;
        var endsFirst = (!_hasNext || _next.StartMs >= end) && (!_running.TryPeek(out _, out var soonest) || soonest.EndMs > end);
        if (endsFirst)
        {
            MoveClockTo(end);
            return new(_current.Failure ? FailureOutcome : SuccessOutcome);
        }

        var pending = _pool.Count > 0 ? _pool.Pop() : new PendingCall();
        _started = pending;
        _running.Enqueue(pending, (end, _sequence++));
        return pending.Start(end, _current.Failure);
    }

    private void CompleteRunningUpTo(long timeMs)
    {
        while (_running.TryPeek(out var call, out var due) && due.EndMs <= timeMs)
        {
            _running.Dequeue();
            MoveClockTo(due.EndMs);
            call.Complete(call.Failure ? FailureOutcome : SuccessOutcome);
            var execution = call.Execution;
            if (!execution.IsCompleted)
            {
                throw new InvalidOperationException("The breaker did not complete a call synchronously; the replay cannot stay exact.");
            }

            _ = execution.Result;
            ResilienceContextPool.Shared.Return(call.Context!);
            call.Context = null;
            call.Execution = default;
            _pool.Push(call);
        }
    }

    private void MoveClockTo(long timeMs)
    {
        if (timeMs != _nowMs)
        {
            _nowMs = timeMs;
            _clock.SetUtcNow(DateTimeOffset.UnixEpoch.AddTicks(timeMs * TimeSpan.TicksPerMillisecond));
        }
    }

    /// <remarks>
    /// Time open is the breaker's state timeline, not its scheduled breaks: with no timer, an open breaker moves to
    /// half-open only when a call arrives after the break, so it is open from each opening to its next transition (or
    /// to the trace's end), as the chart draws it.
    /// </remarks>
    private ValueTask OnStateChanged(CircuitStateChangedArguments args)
    {
        if (_openSinceMs is { } since)
        {
            _timeOpenMs += _nowMs - since;
            _openSinceMs = null;
        }

        if (args.NewState == CircuitState.Open)
        {
            _opens++;
            _firstOpenMs ??= _nowMs;
            _openSinceMs = _nowMs;
        }

        _timeline?.Transitions.Add((_nowMs, args.NewState));
        return default;
    }
}
