using System.Runtime.CompilerServices;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Recording a completed call: the window, the probes' verdicts and the trip conditions (DESIGN.md "Semantics", rules 1 and 4; W2).
/// </summary>
/// <remarks>
/// A call admitted while closed that completes while open or half-open (a late completion) is recorded once — if it was
/// counted while running, that count gives way to its record — and never moves the circuit: only probes of the current
/// half-open episode close or reopen it. A probe of an earlier episode that completes once the breaker has closed is judged
/// like any call recorded while closed (rule 1), at once. A call admitted before a manual transition is not recorded at all.
/// </remarks>
internal sealed partial class CircuitStateController<T>
{
    /// <summary>Records a completed call; returns whether a transition needs finishing outside the lock.</summary>
    public bool Exit<TResult>(in Permit permit, CallClassification classification, in Outcome<TResult> outcome, ResilienceContext context, out PendingOpening? pendingOpening)
    {
        pendingOpening = null;
        var now = _readsClockOnCompletion ? _timeProvider.GetTimestamp() : 0;
        if (classification == CallClassification.Ignored || permit.Generation != _generation)
        {
            // Ignored, or admitted before a manual transition (re-checked under the lock): it only gives back what it holds.
            if (permit.IsProbe || permit.IsTracked)
            {
                using (_lock.EnterScope())
                {
                    ReleaseHeld_NeedsLock(permit);
                }
            }

            return false;
        }

        var isFailure = classification == CallClassification.Failure;
        var isSlow = _health.IsSlow(permit.StartTimestamp, now);
        if (isSlow)
        {
            ReportSlowCall(permit, outcome, context, now);
        }

        var held = permit;
        if (!isFailure && !isSlow && !permit.IsProbe && _state == CircuitState.Closed)
        {
            // The closed path's success: recorded without the lock, and judged without it when no trip condition can hold.
            if (_health.TryRecordSuccessWithoutLock(permit.InFlightSequence, permit.Generation, now, out var released))
            {
                return _health.MayTrip(now) && JudgeRecordedSuccess(now, outcome, context, out pendingOpening);
            }

            if (released)
            {
                held = permit with { InFlightSequence = -1 };
            }
        }

        return ExitUnderLock(held, isFailure, isSlow, now, outcome, context, out pendingOpening);
    }

    /// <summary>Records, under the lock, a completed call that <see cref="Exit"/> could not record without it.</summary>
    /// <remarks>
    /// Out of line: inlined, its transitions' locals (their outcomes and contexts) made every call's frame hundreds of
    /// bytes that the prologue zeroes, lock-free successes included (issue #19).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ExitUnderLock<TResult>(in Permit held, bool isFailure, bool isSlow, long now, in Outcome<TResult> outcome, ResilienceContext context, out PendingOpening? pendingOpening)
    {
        pendingOpening = null;
        using (_lock.EnterScope())
        {
            var isProbeOfThisEpisode = held.IsProbe && IsProbeOfThisEpisode_NeedsLock(held);
            ReleaseHeld_NeedsLock(held);
            if (held.Generation != _generation)
            {
                return false;
            }

            var counts = _health.Record(isFailure, isSlow, now);
            if (isProbeOfThisEpisode)
            {
                if (isFailure || isSlow)
                {
                    return Open_NeedsLock(OpeningTime(now), isFailure ? CircuitTransitionReason.HalfOpenProbeFailed : CircuitTransitionReason.HalfOpenProbeSlow, counts, outcome, context, out pendingOpening);
                }

                if (++_probeSuccesses >= _successThreshold)
                {
                    Close_NeedsLock(CircuitTransitionReason.HalfOpenSucceeded, Outcomes.As<TResult, T>(outcome), context);
                    StartRamp_NeedsLock(OpeningTime(now));
                    return true;
                }
            }

            return Judge_NeedsLock(now, counts, outcome, context, out pendingOpening);
        }
    }

    /// <summary>Judges, under the lock, a success recorded without it, when a trip condition may hold (rule 1).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // as ExitUnderLock
    private bool JudgeRecordedSuccess<TResult>(long now, in Outcome<TResult> outcome, ResilienceContext context, out PendingOpening? pendingOpening)
    {
        using (_lock.EnterScope())
        {
            return Judge_NeedsLock(now, _health.Judge(now), outcome, context, out pendingOpening);
        }
    }

    /// <summary>Opens the circuit if, after a recorded call, a hung probe or a trip condition says so.</summary>
    private bool Judge_NeedsLock<TResult>(long now, in WindowCounts counts, in Outcome<TResult> outcome, ResilienceContext context, out PendingOpening? pendingOpening)
    {
        pendingOpening = null;
        if (_state == CircuitState.HalfOpen && _health.HasHungProbe(_episodeGeneration))
        {
            return Open_NeedsLock(OpeningTime(now), CircuitTransitionReason.HalfOpenProbeSlow, counts, outcome, context, out pendingOpening);
        }

        if (_state != CircuitState.Closed || _health.TripReason(counts) is not { } reason)
        {
            return false;
        }

        return Open_NeedsLock(OpeningTime(now), reason, counts, outcome, context, out pendingOpening);
    }

    private void ReportSlowCall<TResult>(in Permit permit, in Outcome<TResult> outcome, ResilienceContext context, long now)
    {
        try
        {
            _telemetry.Report(
                new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnSlowCall),
                context,
                outcome,
                new OnSlowCallArguments(BreakerName, _timeProvider.GetElapsedTime(permit.StartTimestamp, now), _slowCallThreshold!.Value, BreakerKey));
        }
#pragma warning disable CA1031 // A TelemetryListener that throws on this Debug event must not cost the call its record and running slot.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    // The completion time, unless the window and slow-call detection needed none: then the opening (or ramp) reads the clock.
    private long OpeningTime(long now) => _readsClockOnCompletion ? now : _timeProvider.GetTimestamp();

    /// <summary>Gives back what a finished call holds: its running slot and its probe slot.</summary>
    private void ReleaseHeld_NeedsLock(in Permit permit)
    {
        if (permit.IsTracked)
        {
            _health.Release(permit.InFlightSequence);
        }

        if (permit.IsProbe)
        {
            ReleaseProbeSlot_NeedsLock(permit);
        }
    }
}
