namespace PollyBreakerExt;

/// <summary>
/// A breaker's place in its fleet: what the fleet may do to it.
/// </summary>
/// <remarks>
/// Fleet-wide isolation and manual closing go through <see cref="Breaker"/>'s <see cref="SlowCallCircuitBreakerHandle.IsolateAsync"/>
/// and <see cref="SlowCallCircuitBreakerHandle.CloseAsync"/> (reason <see cref="CircuitTransitionReason.Manual"/>).
/// </remarks>
public sealed class CircuitBreakerFleetMember
{
    internal CircuitBreakerFleetMember(string key, SlowCallCircuitBreakerHandle breaker, int successThreshold)
    {
        Key = key;
        Breaker = breaker;
        SuccessThreshold = successThreshold;
    }

    /// <summary>Gets the breaker's identity in the fleet.</summary>
    public string Key { get; }

    /// <summary>Gets the breaker.</summary>
    public SlowCallCircuitBreakerHandle Breaker { get; }

    /// <summary>Gets how many probes the breaker runs at once in half-open, and how many successes close it.</summary>
    public int SuccessThreshold { get; }

    /// <summary>
    /// Opens the breaker for what remains of the fleet's break (reason <see cref="CircuitTransitionReason.Fleet"/>).
    /// An open breaker keeps the later of its own end and this one, except that this one replaces a wait the fleet asked
    /// for (<see cref="ICircuitBreakerFleet.TryBeginProbing"/>): the fleet reopened for a new break. An isolated breaker stays isolated.
    /// </summary>
    /// <param name="remainingBreak">How long it stays open from now; clamped to [0, 1 day].</param>
    /// <param name="cancellationToken">Cancels before anything changes; also passed to the callbacks' context.</param>
    /// <returns>A task that completes once the breaker is open and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public Task OpenAsync(TimeSpan remainingBreak, CancellationToken cancellationToken = default)
        => Breaker.OpenFromFleetAsync(remainingBreak, cancellationToken);

    /// <summary>
    /// Closes an open or half-open breaker and clears its window (reason <see cref="CircuitTransitionReason.Fleet"/>):
    /// another replica's probes succeeded. A closed or isolated breaker is left as it is.
    /// </summary>
    /// <param name="cancellationToken">Cancels before anything changes; also passed to the callbacks' context.</param>
    /// <returns>A task that completes once the breaker is closed and its callbacks have run; while another flow is running the breaker's callbacks, once it has moved (waiting could deadlock: those callbacks may await this task), and its callbacks run right after theirs, in order.</returns>
    public Task CloseAsync(CancellationToken cancellationToken = default) => Breaker.CloseFromFleetAsync(cancellationToken);
}
