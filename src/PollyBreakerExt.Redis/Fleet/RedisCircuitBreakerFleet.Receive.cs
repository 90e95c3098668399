using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>What a replica hears from the fleet, and what it ignores (F2, F4, F6, F7).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        var bytes = (byte[]?)value ?? [];
        var message = FleetMessage.TryParse(bytes, _signingKey, out var problem);
        if (message is not null)
        {
            if (message.Kind is FleetMessageKind.Vote or FleetMessageKind.Lease)
            {
                problem = "a vote or a lease is never published";
            }
            else if (string.Equals(message.Replica, ReplicaId, StringComparison.Ordinal))
            {
                problem = "own echo";
            }
            else if (!_clock.IsSynchronized)
            {
                problem = "not synchronized";
            }
            else
            {
                _replayGuard.TryAccept(message, _clock.Now(), out problem);
            }
        }

        if (problem is not null)
        {
            _telemetry.Ignored();
            FleetLog.MessageIgnored(_logger, ReplicaId, problem);
            return;
        }

        if (_states.TryGetValue(message!.Key, out var state) && !Apply(state, message))
        {
            _telemetry.Ignored();
            FleetLog.MessageIgnored(_logger, ReplicaId, "older than the state applied");
            return;
        }

        _telemetry.Received();
    }

    /// <summary>
    /// Applies a message newer than what this replica applied of its key; <see langword="false"/> when it is older. One of
    /// the very order applied already (a sync read its state just before it came) is received, with nothing left to do.
    /// </summary>
    private bool Apply(FleetKeyState state, FleetMessage message)
    {
        lock (state.Lock)
        {
            if (!state.TryAdvance(message.Order))
            {
                return message.Order == state.AppliedOrder;
            }
        }

        var members = state.SnapshotMembers();
        switch (message.Kind)
        {
            case FleetMessageKind.Open:
                lock (state.Lock)
                {
                    state.FleetOpen = true;
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }

                // What is left of the break by Redis' clock at receipt (#20, B4): a message that spent a while on the way, or
                // was stamped long ago, opens for the rest of the opener's break, not for all of it again.
                var remaining = Math.Min(message.BreakMilliseconds, message.Timestamp + message.BreakMilliseconds - _clock.Now());
                if (remaining > 0)
                {
                    var breakDuration = TimeSpan.FromMilliseconds(remaining);
                    Move(members, member => member.OpenAsync(breakDuration));
                }
                else
                {
                    // The opener is probing by now: a slow trip report, a slow delivery, or replicas' readings of Redis'
                    // clock apart by more than the break. Logged, as a replica that never opens is otherwise unexplained.
                    FleetLog.TripHeardLate(_logger, ReplicaId, message.Key, -remaining);
                }

                break;

            case FleetMessageKind.Closed:
                lock (state.Lock)
                {
                    state.FleetOpen = false;
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }

                Move(members, member => member.CloseAsync());

                break;

            case FleetMessageKind.Isolate:
                state.FleetIsolated = true;
                Move(members, member => member.Breaker.IsolateAsync());

                break;

            default:
                ForgetFleetState(state);
                Move(members, member => member.Breaker.CloseAsync());

                break;
        }

        return true;
    }

    /// <summary>
    /// Moves the breakers on the fleet's work queue, not on Redis' subscription thread: a move runs the user's callbacks
    /// (up to their first await), and a slow one must not hold up every message behind it. The queue keeps their order.
    /// </summary>
    private void Move(CircuitBreakerFleetMember[] members, Func<CircuitBreakerFleetMember, Task> move)
        => _queue.Enqueue(async () =>
        {
            foreach (var member in members)
            {
                try
                {
                    await move(member).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // One breaker's failing callback must not keep the others from moving.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    FleetLog.MoveFailed(_logger, exception, ReplicaId);
                }
            }
        });
}
