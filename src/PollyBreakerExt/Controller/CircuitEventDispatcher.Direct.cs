namespace PollyBreakerExt;

/// <summary>
/// The slot of a transition that only telemetry hears, raised without the queue and the gate (see the remarks on
/// <see cref="CircuitEventDispatcher{T}"/>).
/// </summary>
internal sealed partial class CircuitEventDispatcher<T>
{
    // The slot of a transition raised without the queue and the gate (see remarks): its state is claimed with one
    // compare-and-swap, so a flow that failed before dispatching leaves it to the next drainer instead of losing it.
    private const int NoDirect = 0;
    private const int DirectWaiting = 1;
    private const int DirectRaising = 2;
    private int _directState;
    private CircuitTransition<T> _direct; // written under the breaker's lock before _directState is set to DirectWaiting
    private int _directRaiser; // the managed thread raising it: its own listener must not wait for it

    /// <summary>
    /// Raises the slot's transition if this flow claims it first; then, if a transition was queued behind it meanwhile,
    /// drains the queue (those flows may have left theirs to this one).
    /// </summary>
    private bool TryRaiseDirect()
    {
        if (Interlocked.CompareExchange(ref _directState, DirectRaising, DirectWaiting) != DirectWaiting)
        {
            return false;
        }

        Volatile.Write(ref _directRaiser, Environment.CurrentManagedThreadId);
        try
        {
            // Read in place: nothing writes the slot while it is claimed. Only telemetry listened when the transition was
            // made, so only telemetry hears of it: a handler or fleet hears of the transitions made after it came.
            ReportTelemetry(_direct);
        }
        finally
        {
            // As in DrainQueue; nothing else raises while the slot is claimed, so the plain increment is safe. The slot
            // is emptied (it holds the pooled context) before it is freed for the next transition.
            Volatile.Write(ref _raised, _raised + 1);
            _direct = default;
            Interlocked.Exchange(ref _directState, NoDirect); // a full fence: the queue is read after it
        }

        if (Volatile.Read(ref _pending) is { IsEmpty: false })
        {
            DrainSynchronously(waitForOtherFlows: true);
        }

        return true;
    }
}
