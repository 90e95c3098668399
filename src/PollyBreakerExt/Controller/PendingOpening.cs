namespace PollyBreakerExt;

/// <summary>
/// An opening decided under the lock whose break duration the generator still has to choose, outside the lock.
/// </summary>
internal readonly record struct PendingOpening(int Epoch, CircuitTransitionReason Reason, double FailureRate, int FailureCount, int HalfOpenAttempts);
