namespace PollyBreakerExt;

/// <summary>
/// A snapshot of the calls the breaker's sliding window holds.
/// </summary>
/// <param name="Calls">The recorded calls in the window.</param>
/// <param name="Failures">The failed calls in the window.</param>
/// <param name="SlowCalls">The slow calls in the window, failed or not.</param>
/// <param name="FailureRatio"><paramref name="Failures"/> divided by <paramref name="Calls"/>, or 0 when the window is empty.</param>
/// <param name="SlowCallRatio"><paramref name="SlowCalls"/> divided by <paramref name="Calls"/>, or 0 when the window is empty.</param>
public readonly record struct CircuitMetrics(int Calls, int Failures, int SlowCalls, double FailureRatio, double SlowCallRatio);
