using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The recovery ramp (<c>RecoveryRampUp</c>, DESIGN W10): for a while after a close from half-open, a closed breaker admits
/// a share of calls that rises linearly from the half-open's admitted share to all of them, and rejects the rest.
/// </summary>
internal sealed partial class CircuitStateController<T>
{
    private volatile bool _ramping; // closed after a recovery, within RecoveryRampUp: calls are admitted by the ramp's share
    private long _rampFrom;
    private long _rampUntil;
    private double _rampStartShare;
    private double _rampCredit;

    /// <summary>
    /// Starts the recovery ramp after a close from half-open: from the share of calls the half-open let through (probes
    /// admitted / calls seen), or none when it let every call through.
    /// </summary>
    private void StartRamp_NeedsLock(long now)
    {
        if (_rampDuration == 0 || _halfOpenRejected == 0)
        {
            return;
        }

        _rampStartShare = (double)_halfOpenAdmitted / (_halfOpenAdmitted + _halfOpenRejected);
        _rampFrom = now;
        _rampUntil = Timestamps.AddSaturating(now, _rampDuration);
        _rampCredit = 0;
        _ramping = true;
    }

    /// <summary>
    /// Decides a closed call during the recovery ramp: admitted while the running credit of the ramp's share reaches one,
    /// else rejected (in shadow mode only reported). Deterministic: with a share of one in four, every fourth call runs.
    /// </summary>
    private bool IsRejectedByRamp(ResilienceContext context, out Exception rejection)
    {
        rejection = null!;
        var now = _timeProvider.GetTimestamp();
        TimeSpan left;
        using (_lock.EnterScope())
        {
            if (!_ramping || _state != CircuitState.Closed)
            {
                return false;
            }

            if (now >= _rampUntil)
            {
                _ramping = false;
                return false;
            }

            _rampCredit += RampShare_NeedsLock(now);
            if (_rampCredit >= 1)
            {
                _rampCredit -= 1;
                return false;
            }

            left = _timeProvider.GetElapsedTime(now, _rampUntil);
        }

        if (_shadowMode)
        {
            _rejections.ReportShadow(CircuitState.Closed, left, context, isRecoveryRamp: true);
            return false;
        }

        rejection = _rejections.RejectByRamp(left, context);
        return true;
    }

    /// <summary>The share of calls the ramp admits now: from the half-open probes' share at the close to all, linearly.</summary>
    private double RampShare_NeedsLock(long now)
        => _rampStartShare + ((1 - _rampStartShare) * (now - _rampFrom) / (_rampUntil - _rampFrom));
}
