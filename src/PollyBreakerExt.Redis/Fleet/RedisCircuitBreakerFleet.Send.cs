using System.Globalization;
using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>What a replica tells the fleet: trips (counted for the quorum), the prober's result, lease requests (F2, F4).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    /// <summary>Reports this replica's trip; opens the fleet when the quorum is reached.</summary>
    private async Task TripAsync(FleetKeyState state)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return; // reported again on reconnect if still in force
        }

        var database = connection.GetDatabase();
        if (_options.Quorum > 1)
        {
            // With a quorum of one, this trip is the quorum: no vote to count, one round trip less.
            var windowMilliseconds = (long)_options.QuorumWindow.TotalMilliseconds;
            var vote = Message(FleetMessageKind.Vote, state.Key);
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(
                FleetScripts.Trip,
                [_keys.Trips(state.Key), _keys.Votes(state.Key)],
                [ReplicaId, vote, windowMilliseconds]).ConfigureAwait(false))!;

            if (CountVotes(result, state.Key, windowMilliseconds) < _options.Quorum)
            {
                return; // open alone: one replica cannot open the fleet
            }
        }

        var remaining = (long)_timeProvider.GetElapsedTime(_timeProvider.GetTimestamp(), state.OwnTripUntil).TotalMilliseconds;
        if (remaining <= 0)
        {
            // The breaker's own break is over (its report waited behind other work, or on Redis): nothing is left to share.
            FleetLog.TripExpired(_logger, ReplicaId, state.Key);
            return;
        }

        var payload = Message(FleetMessageKind.Open, state.Key, remaining);
        var opened = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Open, [_keys.Open(state.Key), _keys.Tripped(state.Key)], [payload, remaining, Channel, 0]).ConfigureAwait(false))!;
        if ((long)opened[0] != -1 && Stored((string?)opened[1], FleetMessageKind.Open, state.Key, "open break") is null)
        {
            // What is stored was not written by a replica holding the key (or is unreadable): replace it.
            opened = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Open, [_keys.Open(state.Key), _keys.Tripped(state.Key)], [payload, remaining, Channel, 1]).ConfigureAwait(false))!;
        }

        state.FleetOpen = true;
        var existing = (long)opened[0];
        if (existing == -1)
        {
            _telemetry.Sent();
            return;
        }

        // Open already (another replica got there first): keep to the fleet's end, if it is later than this one's.
        if (existing <= 0)
        {
            return; // expired meanwhile (-2)
        }

        foreach (var member in state.SnapshotMembers())
        {
            await member.OpenAsync(FromRedisMilliseconds(existing)).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the distinct replicas whose vote is valid: well formed, of this key, signed when signing, and recent by Redis' clock.</summary>
    private int CountVotes(RedisResult[] result, string key, long windowMilliseconds)
    {
        var redisNow = long.Parse((string)result[0]!, CultureInfo.InvariantCulture);
        var replicas = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < result.Length; i++)
        {
            var vote = Stored((string?)result[i], FleetMessageKind.Vote, key, "vote");
            if (vote is not null && redisNow - vote.Timestamp <= windowMilliseconds + (long)ReplayGuard.Freshness.TotalMilliseconds)
            {
                replicas.Add(vote.Replica);
            }
        }

        return replicas.Count;
    }

    /// <summary>The prober's probe failed: the fleet reopens for the new break, or, without the lease, it is an ordinary trip.</summary>
    private async Task ReopenAsync(FleetKeyState state, TimeSpan breakDuration)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return;
        }

        var breakMilliseconds = Math.Max(1, (long)breakDuration.TotalMilliseconds);
        var payload = Message(FleetMessageKind.Open, state.Key, breakMilliseconds);
        var reopened = (long)await connection.GetDatabase().ScriptEvaluateAsync(
            FleetScripts.Reopen,
            [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key)],
            [ReplicaId, payload, breakMilliseconds, Channel]).ConfigureAwait(false);
        if (reopened == 1)
        {
            state.FleetOpen = true;
            _telemetry.Sent();
            return;
        }

        await TripAsync(state).ConfigureAwait(false);
    }

    /// <summary>The prober's probes succeeded: every replica closes.</summary>
    private async Task ClosedAsync(FleetKeyState state)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return;
        }

        var payload = Message(FleetMessageKind.Closed, state.Key);
        RedisKey[] keys = [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Trips(state.Key), _keys.Votes(state.Key), _keys.Tripped(state.Key)];
        var closed = (long)await connection.GetDatabase().ScriptEvaluateAsync(FleetScripts.Closed, keys, [ReplicaId, payload, Channel]).ConfigureAwait(false);
        if (closed == 1)
        {
            _telemetry.Sent();
        }
    }

    /// <summary>Asks for the fleet's one half-open lease; the answer is read from memory by the breaker's next ask.</summary>
    private async Task RequestLeaseAsync(FleetKeyState state)
    {
        long answer;
        try
        {
            if (_connection is not { IsConnected: true } connection)
            {
                answer = -1; // alone: probe
            }
            else
            {
                answer = (long)await connection.GetDatabase().ScriptEvaluateAsync(
                    FleetScripts.Lease,
                    [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key)],
                    [ReplicaId, (long)_options.ProbeLease.TotalMilliseconds]).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // RedisTimeoutException derives from TimeoutException, not RedisException: a stalled Redis lands here too.
            answer = -1; // Redis failed: the breaker probes alone, as without a fleet
        }

        var now = _timeProvider.GetTimestamp();
        lock (state.Lock)
        {
            if (state.LeaseRequestedAt == 0)
            {
                return; // the breaker gave up waiting, or the fleet moved it meanwhile
            }

            state.LeaseRequestedAt = 0;
            if (answer == -1)
            {
                state.LeaseHeldUntil = now + Ticks(_options.ProbeLease);
                state.WaitUntil = 0;
            }
            else if (answer == -2)
            {
                // A prober closed the fleet and this replica missed it: its breaker probes alone, as one that tripped alone.
                state.FleetOpen = false;
                state.WaitUntil = 0;
            }
            else
            {
                state.WaitUntil = now + Ticks(FromRedisMilliseconds(answer));
            }
        }
    }
}
