namespace PollyBreakerExt;

/// <summary>
/// Raising transitions when no callback of the user's listens: synchronously, on the draining thread, under a plain lock
/// (see the remarks on <see cref="CircuitEventDispatcher{T}"/>).
/// </summary>
internal sealed partial class CircuitEventDispatcher<T>
{
    /// <summary>
    /// Drains every queued transition under <see cref="_syncGate"/>; used only when no callback of the user's can run,
    /// so raising never awaits. A manual or fleet transition that finds another thread draining, or raising the slot's
    /// transition, leaves its transition to that thread, which drains until the queue is empty.
    /// </summary>
    private void DrainSynchronously(bool waitForOtherFlows)
    {
        // A listener causing a transition on the draining thread: the lock would let it in, and its transition would be
        // raised inside the one being raised. The drainer raises it next, as it drains until the queue is empty.
        if (_syncGate.IsHeldByCurrentThread)
        {
            return;
        }

        do
        {
            if (waitForOtherFlows)
            {
                _syncGate.Enter();
            }
            else if (!_syncGate.TryEnter())
            {
                return;
            }

            try
            {
                if (!DrainQueue(waitForOtherFlows))
                {
                    return; // the flow raising the slot's transition drains what follows it
                }
            }
            finally
            {
                _syncGate.Exit();
            }

            // Re-checked after release: a transition queued while this drainer was leaving is not left behind.
            waitForOtherFlows = false;
        }
        while (Volatile.Read(ref _pending) is { IsEmpty: false } || Volatile.Read(ref _directState) == DirectWaiting);
    }

    /// <summary>Raises, under the gate, the slot's transition and the queued ones in order; false when it left them to the slot's raiser.</summary>
    private bool DrainQueue(bool waitForOtherFlows)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            // The queue is read before the slot: a transition queued after the slot's was made is seen with the slot's.
            var pending = Volatile.Read(ref _pending);
            var hasQueued = pending is { IsEmpty: false };
            switch (Volatile.Read(ref _directState))
            {
                case DirectWaiting:
                    _ = TryRaiseDirect();
                    continue;

                case DirectRaising:
                    // Another flow raises the oldest transition. Waiting for it keeps the order, and this call returns only
                    // after it; a manual transition, or the raiser's own listener, must not wait: the raiser drains after.
                    if (!waitForOtherFlows || Volatile.Read(ref _directRaiser) == Environment.CurrentManagedThreadId)
                    {
                        return false;
                    }

                    spinner.SpinOnce();
                    continue;
            }

            if (!hasQueued || !pending!.TryDequeue(out var transition))
            {
                return true;
            }

            try
            {
                NotifyObservers(Report(transition)); // no callback of the user's: nothing to await
            }
            finally
            {
                // Counted even when a throwing TelemetryListener cut it short, so later dispatches do not wait for it.
                Volatile.Write(ref _raised, _raised + 1);
            }
        }
    }
}
