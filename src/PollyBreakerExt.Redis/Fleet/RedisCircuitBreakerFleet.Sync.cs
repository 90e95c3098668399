using System.Globalization;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>Connecting, reconnecting and reading the fleet's stored state (F3, F5).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    private async Task StartAsync()
    {
        var connection = await _connecting.ConfigureAwait(false);
        Interlocked.Exchange(ref _connection, connection);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return; // disposed while connecting: DisposeAsync disposes an owned connection once it arrives
        }

        connection.ConnectionFailed += OnConnectionFailed;
        connection.ConnectionRestored += OnConnectionRestored;
        await ResyncAsync().ConfigureAwait(false);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        _synchronized = false;
        FleetLog.Disconnected(_logger, ReplicaId, args.FailureType.ToString());
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args) => _queue.Enqueue(ResyncAsync);

    /// <summary>Subscribes (once), reads Redis' clock, then every key's stored state; re-reports trips still in force.</summary>
    private async Task ResyncAsync()
    {
        if (_connection is not { IsConnected: true } connection)
        {
            return;
        }

        if (!_subscribed)
        {
            await connection.GetSubscriber().SubscribeAsync(_keys.Channel, _onMessage).ConfigureAwait(false);
            _subscribed = true;
        }

        var sentAt = _timeProvider.GetTimestamp();
        var time = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("TIME").ConfigureAwait(false))!;
        var redisMilliseconds = (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1000)
            + (long.Parse((string)time[1]!, CultureInfo.InvariantCulture) / 1000);
        _clock.Synchronize(redisMilliseconds, sentAt);

        foreach (var state in _states.Values)
        {
            await SyncKeyAsync(state, reportOwnTrip: true).ConfigureAwait(false);
        }

        _synchronized = true;
        FleetLog.Synchronized(_logger, ReplicaId, _states.Count);
    }

    /// <summary>
    /// Applies what Redis holds for one key: a fleet isolation, an open fleet (for its PTTL), or whether the fleet is still
    /// tripped (half-open) or closed; then re-reports an own trip. A message heard since the read wins over what was read.
    /// </summary>
    private async Task SyncKeyAsync(FleetKeyState state, bool reportOwnTrip)
    {
        if (_connection is not { IsConnected: true } connection || !_clock.IsSynchronized)
        {
            return;
        }

        // Read before the flag: an operator's IsolateAsync bumps the generation before it sets the flag, so a flag it set
        // comes with a generation this sync sees as changed. Taken now, the flag is what this replica knew before reading
        // Redis; read later, it could be an isolation under way here, which the branch below would take for a stale one.
        var generation = Volatile.Read(ref state.ManualGeneration);
        var heard = Volatile.Read(ref state.Heard);
        var wasFleetIsolated = state.FleetIsolated;
        var result = (RedisResult[])(await connection.GetDatabase()
            .ScriptEvaluateAsync(FleetScripts.Read, [_keys.Isolated(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key)]).ConfigureAwait(false))!;
        if (Stale())
        {
            return; // an operator isolated or closed the key meanwhile: what was read is out of date
        }

        if (Volatile.Read(ref state.Heard) != heard)
        {
            // A message arrived since the read: it is newer than what was read, and its moves are queued behind this sync.
            await ReportOwnTripAsync().ConfigureAwait(false);
            return;
        }

        var redisNow = long.Parse((string)result[3]!, CultureInfo.InvariantCulture);
        var members = state.SnapshotMembers();

        if (Stored((string?)result[0], FleetMessageKind.Isolate, state.Key, "isolation") is not null)
        {
            state.FleetIsolated = true;
            foreach (var member in members.Where(member => member.Breaker.CircuitState != CircuitState.Isolated))
            {
                if (Stale())
                {
                    return;
                }

                await member.Breaker.IsolateAsync().ConfigureAwait(false);
            }

            return;
        }

        if (wasFleetIsolated)
        {
            // Closed fleet-wide while this replica was away.
            state.FleetIsolated = false;
            foreach (var member in members.Where(member => member.Breaker.CircuitState == CircuitState.Isolated))
            {
                if (Stale())
                {
                    return;
                }

                await member.Breaker.CloseAsync().ConfigureAwait(false);
            }
        }

        var pttl = (long)result[2];
        if (Stored((string?)result[1], FleetMessageKind.Open, state.Key, "open break") is { } open && pttl > 0)
        {
            // Never longer than the break the opener gave, whatever expiry the key was given since.
            // The payload's break is at most a day, but its timestamp is unchecked here: a far-future one is kept to a day too.
            var remaining = Math.Min(pttl, open.Timestamp + open.BreakMilliseconds - redisNow);
            if (remaining > 0)
            {
                lock (state.Lock)
                {
                    if (Volatile.Read(ref state.Heard) != heard)
                    {
                        return; // a message came meanwhile: it and its moves are newer
                    }

                    state.FleetOpen = true;
                }

                foreach (var member in members)
                {
                    if (Stale())
                    {
                        return;
                    }

                    await member.OpenAsync(FromRedisMilliseconds(remaining)).ConfigureAwait(false);
                }

                return;
            }
        }

        // The break is over. Still tripped, a half-open is under way: this replica asks for the lease before it probes.
        // Not tripped, the fleet is closed (a prober closed it while this replica was away): its breaker is on its own.
        lock (state.Lock)
        {
            if (Volatile.Read(ref state.Heard) == heard)
            {
                state.FleetOpen = (long)result[4] == 1;
                if (!state.FleetOpen)
                {
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }
            }
        }

        await ReportOwnTripAsync().ConfigureAwait(false);

        async Task ReportOwnTripAsync()
        {
            if (reportOwnTrip && state.OwnTripUntil > _timeProvider.GetTimestamp() && state.SnapshotMembers().Any(member => member.Breaker.CircuitState == CircuitState.Open))
            {
                await TripAsync(state).ConfigureAwait(false);
            }
        }

        // Checked again before each breaker it moves: an operator's command may come while the sync is applying what it read.
        // In-flight first: a command ending moves the generation before it drops the count.
        bool Stale() => Volatile.Read(ref state.ManualInFlight) > 0 || Volatile.Read(ref state.ManualGeneration) != generation;
    }

    /// <summary>Reads a stored payload; <see langword="null"/> when absent, or (logged) not a valid one of that kind and key.</summary>
    private FleetMessage? Stored(string? payload, FleetMessageKind kind, string key, string what)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return null;
        }

        var message = FleetMessage.TryParse(System.Text.Encoding.UTF8.GetBytes(payload), _signingKey, out var problem);
        if (message is null || message.Kind != kind || !string.Equals(message.Key, key, StringComparison.Ordinal))
        {
            FleetLog.StoredStateIgnored(_logger, ReplicaId, what, key, problem ?? "another kind or key");
            return null;
        }

        return message;
    }
}
