using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>Fleet-wide manual control: isolate and close on every replica, stored for later joiners (F6).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    /// <summary>
    /// Isolates the breaker <paramref name="breakerKey"/> on every replica (reason <see cref="CircuitTransitionReason.Manual"/>),
    /// including those that join later, until <see cref="CloseAsync"/>.
    /// </summary>
    /// <param name="breakerKey">The breaker key (DESIGN W1: its registry key, or its name outside a container).</param>
    /// <param name="cancellationToken">Cancels the wait; the isolation may still travel.</param>
    /// <returns>A task that completes once this replica's breakers are isolated and the isolation is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerKey"/> is null, empty or blank.</exception>
    /// <exception cref="RedisException">Redis could not be reached: only this replica's breakers were isolated.</exception>
    public async Task IsolateAsync(string breakerKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(breakerKey);
        var state = State(breakerKey);
        Interlocked.Increment(ref state.ManualInFlight);
        try
        {
            Interlocked.Increment(ref state.ManualGeneration);
            state.FleetIsolated = true;
            foreach (var member in state.SnapshotMembers())
            {
                await member.Breaker.IsolateAsync(cancellationToken).ConfigureAwait(false);
            }

            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
            RedisKey[] keys = [_keys.Isolated(breakerKey), _keys.Open(breakerKey), _keys.Lease(breakerKey), _keys.Version(breakerKey)];
            var (result, order) = await WriteAsync(database, state, order => (FleetScripts.Isolate, keys, [Message(FleetMessageKind.Isolate, breakerKey, 0, order), ChannelOf(state.Key), order])).ConfigureAwait(false);
            Stored(state, result, order);
        }
        finally
        {
            EndManual(state);
        }
    }

    /// <summary>
    /// Closes the breaker <paramref name="breakerKey"/> on every replica (reason <see cref="CircuitTransitionReason.Manual"/>)
    /// and removes the fleet's stored state of it: isolation, open break, lease and trip reports.
    /// </summary>
    /// <param name="breakerKey">The breaker key.</param>
    /// <param name="cancellationToken">Cancels the wait; the close may still travel.</param>
    /// <returns>A task that completes once this replica's breakers are closed and the close is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerKey"/> is null, empty or blank.</exception>
    /// <exception cref="RedisException">Redis could not be reached: only this replica's breakers were closed.</exception>
    public async Task CloseAsync(string breakerKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(breakerKey);
        var state = State(breakerKey);
        Interlocked.Increment(ref state.ManualInFlight);
        try
        {
            ForgetFleetState(state);
            foreach (var member in state.SnapshotMembers())
            {
                await member.Breaker.CloseAsync(cancellationToken).ConfigureAwait(false);
            }

            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
            RedisKey[] keys = [_keys.Isolated(breakerKey), _keys.Open(breakerKey), _keys.Lease(breakerKey), _keys.Trips(breakerKey), _keys.Votes(breakerKey), _keys.Tripped(breakerKey), _keys.Version(breakerKey)];
            var (result, order) = await WriteAsync(database, state, order => (FleetScripts.Close, keys, [Message(FleetMessageKind.Close, breakerKey, 0, order), ChannelOf(state.Key), order])).ConfigureAwait(false);
            Stored(state, result, order);
        }
        finally
        {
            EndManual(state);
        }
    }

    /// <summary>Notes an operator's command as this replica's newest applied state, or throws when Redis kept refusing its order.</summary>
    private void Stored(FleetKeyState state, RedisResult[] result, long order)
    {
        if ((long)result[0] != 1)
        {
            throw new RedisException("The breaker's version in Redis kept moving past this command's: the change was made on this replica only.");
        }

        lock (state.Lock)
        {
            state.TryAdvance(order);
        }

        _telemetry.Sent();
    }

    // The generation moves again once the command's state is stored (or failed to be): a sync that read Redis while it was
    // under way sees itself stale, whichever of the two finishes first. Moved before the count drops, for Stale's order.
    private static void EndManual(FleetKeyState state)
    {
        Interlocked.Increment(ref state.ManualGeneration);
        Interlocked.Decrement(ref state.ManualInFlight);
    }

    private static void ForgetFleetState(FleetKeyState state)
    {
        Interlocked.Increment(ref state.ManualGeneration);
        lock (state.Lock)
        {
            state.FleetIsolated = false;
            state.FleetOpen = false;
            state.LeaseHeldUntil = 0;
            state.WaitUntil = 0;
            state.OwnTripUntil = 0;
        }
    }
}
