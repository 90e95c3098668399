using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Builds the exception a rejected call gets, and reports the rejection (DESIGN.md "Semantics", rules 3 to 5 and 7).
/// </summary>
internal sealed class CircuitRejections
{
    private readonly string _breakerName;
    private readonly string? _breakerKey;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly int _successThreshold;

    // Built at the first rejection: most of a keyed strategy's thousands of breakers never reject, and four messages are
    // most of a closed breaker's memory after its ring of running calls.
    private string? _openMessage;
    private string? _halfOpenMessage;
    private string? _isolatedMessage;
    private string? _rampMessage;

    public CircuitRejections(string breakerName, string? breakerKey, int successThreshold, ResilienceStrategyTelemetry telemetry)
    {
        _breakerName = breakerName;
        _breakerKey = breakerKey;
        _telemetry = telemetry;
        _successThreshold = successThreshold;
    }

    // A keyed breaker names its key, so the caller knows which tenant or host is cut off.
    private string Breaker => _breakerKey is null ? $"'{_breakerName}'" : $"'{_breakerName}' (key '{_breakerKey}')";

    private string OpenMessage => _openMessage ??= $"The circuit breaker {Breaker} is open; calls are rejected until the break ends.";

    private string HalfOpenMessage => _halfOpenMessage ??= $"The circuit breaker {Breaker} is half-open and its {_successThreshold} probe(s) are running; other calls are rejected.";

    private string IsolatedMessage => _isolatedMessage ??= $"The circuit breaker {Breaker} is isolated; calls are rejected until it is closed by hand.";

    private string RampMessage => _rampMessage ??= $"The circuit breaker {Breaker} has just recovered and admits a rising share of calls; this one was rejected.";

    /// <summary>Returns the rejection of a call by a breaker in <paramref name="state"/>, after reporting it.</summary>
    /// <param name="state">Open, half-open or isolated.</param>
    /// <param name="retryAfter">The time left until a probe may pass; ignored when isolated.</param>
    /// <param name="breakingException">The exception of the call that opened the circuit, if any.</param>
    /// <param name="context">The rejected call's context.</param>
    public BrokenCircuitException Reject(CircuitState state, TimeSpan retryAfter, Exception? breakingException, ResilienceContext context)
    {
        BrokenCircuitException exception;
        TimeSpan? reportedRetryAfter = null;
        if (state == CircuitState.Isolated)
        {
            exception = new IsolatedCircuitException(IsolatedMessage);
        }
        else
        {
            reportedRetryAfter = retryAfter;
            var message = state == CircuitState.Open ? OpenMessage : HalfOpenMessage;
            exception = breakingException is null
                ? new BrokenCircuitException(message, retryAfter)
                : new BrokenCircuitException(message, retryAfter, breakingException);
        }

        return Reported(exception, new OnCircuitRejectedArguments(_breakerName, state, reportedRetryAfter, isShadow: false, breakerKey: _breakerKey), context);
    }

    /// <summary>Returns the rejection of a call by a closed breaker ramping up after a recovery, after reporting it.</summary>
    /// <param name="retryAfter">The time left in the ramp.</param>
    /// <param name="context">The rejected call's context.</param>
    public BrokenCircuitException RejectByRamp(TimeSpan retryAfter, ResilienceContext context)
        => Reported(
            new BrokenCircuitException(RampMessage, retryAfter),
            new OnCircuitRejectedArguments(_breakerName, CircuitState.Closed, retryAfter, isShadow: false, isRecoveryRamp: true, _breakerKey),
            context);

    /// <summary>Reports the rejection a call would have had, in shadow mode, where it runs anyway.</summary>
    public void ReportShadow(CircuitState state, TimeSpan? retryAfter, ResilienceContext context, bool isRecoveryRamp = false)
        => _telemetry.Report(
            new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnCircuitRejected),
            context,
            new OnCircuitRejectedArguments(_breakerName, state, retryAfter, isShadow: true, isRecoveryRamp, _breakerKey));

    private BrokenCircuitException Reported(BrokenCircuitException exception, OnCircuitRejectedArguments rejected, ResilienceContext context)
    {
        _telemetry.SetTelemetrySource(exception);
        _telemetry.Report(new(ResilienceEventSeverity.Debug, SlowCallCircuitBreakerConstants.OnCircuitRejected), context, rejected);
        return exception;
    }
}
