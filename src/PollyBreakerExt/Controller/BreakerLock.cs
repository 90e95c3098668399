using System.Runtime.CompilerServices;

namespace PollyBreakerExt;

/// <summary>
/// The breaker's lock: one compare-and-swap to enter, a plain store to leave.
/// </summary>
/// <remarks>
/// It guards a few hundred nanoseconds of bookkeeping at most and is never held while user code runs (see
/// <see cref="CircuitStateController{T}"/>), so a waiter spins, then yields, instead of sleeping in the kernel; leaving
/// then needs no atomic instruction, where <see cref="Lock"/>'s exit takes one to wake its sleepers (issue #19: the
/// half-open cycle takes the lock four times, and on the measuring machine each atomic costs ~6-10 ns). A waiter that
/// keeps finding it taken (its holder preempted) sleeps for a millisecond now and then, as <see cref="SpinWait"/> does.
/// Not reentrant.
/// </remarks>
internal sealed class BreakerLock
{
    private int _held;
#if DEBUG
    private int _holder; // a reentering thread would spin for good: debug builds throw instead
#endif

    /// <summary>Enters the lock; leave it by disposing the scope (<c>using (x.EnterScope())</c>).</summary>
    public Scope EnterScope()
    {
        if (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            EnterContended();
        }

#if DEBUG
        _holder = Environment.CurrentManagedThreadId;
#endif
        return new Scope(this);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
#if DEBUG
        if (Volatile.Read(ref _holder) == Environment.CurrentManagedThreadId)
        {
            throw new InvalidOperationException("The breaker's lock is not reentrant.");
        }

#endif
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce();
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }

    /// <summary>A held <see cref="BreakerLock"/>; disposing it leaves the lock.</summary>
    public readonly ref struct Scope
    {
        private readonly BreakerLock _owner;

        internal Scope(BreakerLock owner) => _owner = owner;

        /// <summary>Leaves the lock: a release store, so everything written while holding it is seen by the next holder.</summary>
        public void Dispose()
        {
#if DEBUG
            _owner._holder = 0;
#endif
            Volatile.Write(ref _owner._held, 0);
        }
    }
}
