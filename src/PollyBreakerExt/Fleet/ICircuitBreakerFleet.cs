namespace PollyBreakerExt;

/// <summary>
/// The hook between breakers and a fleet that shares their transitions across replicas (for example
/// <c>RedisCircuitBreakerFleet</c>). The breaker calls it on its own transitions and asks it before probing; the fleet
/// moves the breaker through the <see cref="CircuitBreakerFleetMember"/> it was given.
/// </summary>
/// <remarks>
/// The fleet is never called on the closed call path, for a rejection while a break lasts, or for a probe's admission
/// within one episode. Every member must return quickly and must not block on I/O: send in the background.
/// </remarks>
public interface ICircuitBreakerFleet
{
    /// <summary>A breaker joins the fleet: when it is built with the options' <c>Fleet</c>, or later through <see cref="SlowCallCircuitBreakerHandle.JoinFleet"/>.</summary>
    /// <param name="member">The breaker's place in the fleet; keep it to move the breaker.</param>
    void Join(CircuitBreakerFleetMember member);

    /// <summary>A breaker left the fleet: its pipeline was disposed.</summary>
    /// <remarks>A breaker disposed while it joined may leave twice, once before its <see cref="Join"/>: ignore a member not (or no longer) joined.</remarks>
    /// <param name="member">The member given to <see cref="Join"/>.</param>
    void Leave(CircuitBreakerFleetMember member);

    /// <summary>
    /// A transition of the breaker, every one of them including those the fleet itself caused (reason
    /// <see cref="CircuitTransitionReason.Fleet"/>), in transition order, outside the breaker's lock and before the
    /// user's callbacks run.
    /// </summary>
    /// <param name="member">The breaker.</param>
    /// <param name="args">The transition.</param>
    void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args);

    /// <summary>
    /// Asked when an open breaker's break has ended, before it lets a probe through: whether this replica may probe now.
    /// </summary>
    /// <param name="member">The breaker.</param>
    /// <param name="retryAfter">When the answer is no: how long the breaker keeps rejecting before it asks again.</param>
    /// <returns><see langword="true"/> to probe (also the answer to give while the fleet cannot reach its peers).</returns>
    /// <remarks>Called on a caller's thread: answer from memory, never wait.</remarks>
    bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter);
}
