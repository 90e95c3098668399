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

        RedisKey[] keys = [_keys.Open(state.Key), _keys.Tripped(state.Key), _keys.Isolated(state.Key), _keys.Version(state.Key)];
        RedisValue judged = RedisValue.EmptyString;
        var force = 0;
        RedisResult[] opened;
        long order;
        while (true)
        {
            (opened, order) = await WriteAsync(database, state, order => (FleetScripts.Open, keys, [Message(FleetMessageKind.Open, state.Key, remaining, order), remaining, ChannelOf(state.Key), force, order, judged])).ConfigureAwait(false);
            var stored = (long)opened[0] switch
            {
                -4 when Stored((string?)opened[1], FleetMessageKind.Isolate, state.Key, "isolation", (long)opened[2]) is null => opened[1],
                > 0 when OpenRemaining(opened, state.Key) is null => opened[1],
                _ => null,
            };
            if (stored is null || force == 1)
            {
                break;
            }

            // What is stored was not written by a replica holding the key, or is older than the breaker's version: replace
            // it, if it is still what is stored (a genuine state written meanwhile is kept).
            (judged, force) = ((RedisValue)stored, 1);
        }

        var code = (long)opened[0];
        if (code == -1)
        {
            lock (state.Lock)
            {
                state.TryAdvance(order);
                state.FleetOpen = true;
            }

            _telemetry.Sent();
            return;
        }

        // Open already (another replica got there first): keep to the fleet's end, if it is later than this one's.
        if (code > 0 && OpenRemaining(opened, state.Key) is { } left)
        {
            state.FleetOpen = true;
            foreach (var member in state.SnapshotMembers())
            {
                await member.OpenAsync(left).ConfigureAwait(false);
            }
        }

        // Otherwise isolated (-4: the isolation travels on its own) or outrun (-3, after every attempt): nothing to open.
    }

    /// <summary>
    /// The break left of a stored open state returned by a script as { PTTL, payload, Redis' time, version }: the least of
    /// the PTTL and what the signed payload gives (its Redis timestamp plus its break), or <see langword="null"/> when the
    /// payload is not a valid open of this key at the breaker's current version, or nothing is left. Whoever can write to
    /// Redis can set any expiry; only the signed payload says how long the fleet's break really is.
    /// </summary>
    private TimeSpan? OpenRemaining(RedisResult[] result, string key)
    {
        var open = Stored((string?)result[1], FleetMessageKind.Open, key, "open break", (long)result[3]);
        if (open is null)
        {
            return null;
        }

        var remaining = Math.Min((long)result[0], open.Timestamp + open.BreakMilliseconds - (long)result[2]);
        return remaining > 0 ? FromRedisMilliseconds(remaining) : null;
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
    private async Task ReopenAsync(FleetKeyState state, TimeSpan breakDuration, string lease)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return;
        }

        var breakMilliseconds = Math.Max(1, (long)breakDuration.TotalMilliseconds);
        RedisKey[] keys = [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key), _keys.Version(state.Key)];
        var (reopened, order) = await WriteAsync(
            connection.GetDatabase(),
            state,
            order => (FleetScripts.Reopen, keys, [lease, Message(FleetMessageKind.Open, state.Key, breakMilliseconds, order), breakMilliseconds, ChannelOf(state.Key), order])).ConfigureAwait(false);
        if ((long)reopened[0] == 1)
        {
            lock (state.Lock)
            {
                state.TryAdvance(order);
                state.FleetOpen = true;
            }

            _telemetry.Sent();
            return;
        }

        await TripAsync(state).ConfigureAwait(false);
    }

    /// <summary>The prober's probes succeeded: every replica closes.</summary>
    private async Task ClosedAsync(FleetKeyState state, string lease)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return;
        }

        RedisKey[] keys = [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Trips(state.Key), _keys.Votes(state.Key), _keys.Tripped(state.Key), _keys.Version(state.Key)];
        var (closed, order) = await WriteAsync(
            connection.GetDatabase(),
            state,
            order => (FleetScripts.Closed, keys, [lease, Message(FleetMessageKind.Closed, state.Key, 0, order), ChannelOf(state.Key), order])).ConfigureAwait(false);
        if ((long)closed[0] == 1)
        {
            lock (state.Lock)
            {
                state.TryAdvance(order);
            }

            _telemetry.Sent();
        }
    }

    /// <summary>
    /// How far past its signed end a lease is still taken for genuine: the holder signed its reading of Redis' clock before
    /// Redis set the expiry, and replicas' readings differ by their round trips.
    /// </summary>
    private static readonly TimeSpan LeaseClockTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Asks for the fleet's one half-open lease; the answer is read from memory by the breaker's next ask.</summary>
    private async Task RequestLeaseAsync(FleetKeyState state)
    {
        long answer;
        string? token = null;
        try
        {
            if (_connection is not { IsConnected: true } connection)
            {
                answer = -1; // alone: probe
            }
            else
            {
                RedisKey[] keys = [_keys.Lease(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key), _keys.Version(state.Key)];
                var leaseMilliseconds = (long)_options.ProbeLease.TotalMilliseconds;
                token = Message(FleetMessageKind.Lease, state.Key, Math.Min(leaseMilliseconds, FleetMessage.MaxBreakMilliseconds));
                var force = 0;
                string? judged = null;
                while (true)
                {
                    RedisValue[] values = judged is null ? [token, leaseMilliseconds, force] : [token, leaseMilliseconds, force, judged];
                    var result = (RedisResult[])(await connection.GetDatabase().ScriptEvaluateAsync(FleetScripts.Lease, keys, values).ConfigureAwait(false))!;
                    answer = (long)result[0];
                    if (result.Length == 4 && answer != -5)
                    {
                        // The break is not over, says Redis: believed only as far as the signed, current open state says.
                        if (OpenRemaining(result, state.Key) is { } left)
                        {
                            answer = Math.Max(1, (long)left.TotalMilliseconds);
                            break;
                        }

                        force = 1; // asked again with the stored break ignored, which never answers with it
                        continue;
                    }

                    if (answer == -5)
                    {
                        // Another lease is held: believed only as far as its signed token says (#20: a lease written by
                        // hand, or a genuine one copied back after its end, is removed once, if it is still what is stored).
                        var held = (string?)result[2] ?? string.Empty;
                        var lease = Stored(held, FleetMessageKind.Lease, state.Key, "lease");
                        var signedLeft = lease is null ? 0 : lease.Timestamp + lease.BreakMilliseconds + (long)LeaseClockTolerance.TotalMilliseconds - (long)result[3];
                        if (lease is not null && string.Equals(lease.Replica, ReplicaId, StringComparison.Ordinal) && signedLeft > 0)
                        {
                            (answer, token) = (-1, held); // its own, from an earlier request: it still holds it
                        }
                        else if (signedLeft > 0)
                        {
                            answer = Math.Max(1, Math.Min((long)result[1], signedLeft));
                        }
                        else if (judged is not null)
                        {
                            answer = (long)result[1]; // written again at once: waited out, never longer than ProbeLease
                        }
                        else
                        {
                            judged = held;
                            continue;
                        }
                    }

                    break;
                }
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // RedisTimeoutException derives from TimeoutException, not RedisException: a stalled Redis lands here too.
            answer = -1; // Redis failed: the breaker probes alone, as without a fleet
            FleetLog.ProbingAlone(_logger, ReplicaId, state.Key, "Redis failed its lease request (a timeout or an error reply)");
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
                state.LeaseToken = token;
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

        if (answer == -2)
        {
            FleetLog.ProbingAlone(_logger, ReplicaId, state.Key, "Redis holds no trip of it (the fleet closed, and this replica missed the close)");
        }
    }
}
