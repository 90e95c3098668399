namespace PollyBreakerExt.Tuner.Replay;

/// <summary>What one candidate did over one trace (the W5 result fields).</summary>
/// <param name="Calls">Rows in the trace.</param>
/// <param name="Admitted">Calls the breaker let run.</param>
/// <param name="Rejected">Calls the breaker refused.</param>
/// <param name="RejectedSuccesses">Refused calls that would have succeeded: the cost of the breaker.</param>
/// <param name="AdmittedFailures">Failures it let through: the harm it did not prevent.</param>
/// <param name="Opens">Transitions to open, reopenings from half-open included.</param>
/// <param name="TimeOpenMs">Milliseconds the breaker was open: from each opening to its next transition (the first call after the break), the last cut at the trace's end.</param>
/// <param name="FirstOpenMs">When it first opened, in the trace's milliseconds; null if never.</param>
internal sealed record ReplayResult(
    long Calls,
    long Admitted,
    long Rejected,
    long RejectedSuccesses,
    long AdmittedFailures,
    long Opens,
    long TimeOpenMs,
    long? FirstOpenMs)
{
    /// <summary>Gets the rank of a sweep: the calls the breaker got wrong either way.</summary>
    public long Cost => AdmittedFailures + RejectedSuccesses;
}
