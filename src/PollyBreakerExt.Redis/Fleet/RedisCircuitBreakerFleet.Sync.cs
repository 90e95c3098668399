using System.Globalization;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>Connecting, reconnecting and reading the fleet's stored state (F3, F5).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    /// <summary>The first Redis with sharded pub/sub (<c>SSUBSCRIBE</c>, <c>SPUBLISH</c>).</summary>
    private static readonly Version ShardedPubSubSince = new(7, 0);

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
        connection.ConfigurationChanged += OnConfigurationChanged;
        Volatile.Write(ref _heartbeat, _timeProvider.CreateTimer(static fleet => ((RedisCircuitBreakerFleet)fleet!).Beat(), this, Heartbeat, Heartbeat));
        await ResyncAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Pings Redis: unanswered within a heartbeat, the fleet reports itself disconnected (its breakers work alone, as they
    /// would anyway, and it stops asking for leases it could not get); answered again, it resyncs. Runs off the fleet's
    /// queue, which may itself be waiting on the silent Redis.
    /// </summary>
    private void Beat() => Volatile.Write(ref _lastBeat, BeatAsync());

    private async Task BeatAsync()
    {
        if (!_synchronized && _timeProvider.GetTimestamp() < Volatile.Read(ref _resyncNotBefore))
        {
            // Waiting after failed resyncs (Redis answers but refuses them, say OOM): the fleet already counts itself
            // disconnected, and a ping would only start the next resync early.
            return;
        }

        if (Interlocked.Exchange(ref _beating, 1) != 0 || _connection is not { } connection || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            var ping = connection.GetDatabase().PingAsync();
            var answered = await Task.WhenAny(ping, Task.Delay(Heartbeat, _timeProvider)).ConfigureAwait(false) == ping && ping.IsCompletedSuccessfully;
            if (!answered)
            {
                // Observed, or an abandoned ping's failure would surface as an unobserved task exception.
                _ = ping.ContinueWith(static ping => ping.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                if (_synchronized)
                {
                    _synchronized = false;
                    _unanswered = true;
                    FleetLog.Disconnected(_logger, ReplicaId, "HeartbeatUnanswered");
                }
            }
            else if ((_unanswered || !_synchronized) && Interlocked.Exchange(ref _resyncQueued, 1) == 0)
            {
                // Redis answers, but the fleet is not synchronized: after a silence, or after a failover to a new master
                // (Sentinel, a cluster's promoted replica) whose lost endpoint never reports itself restored. A resync that
                // fails (Redis flickering) is queued again at a later beat.
                _queue.Enqueue(ResyncAsync);
            }
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    /// <summary>
    /// A Redis command of the queue failed while the connection stayed up (a timeout on a busy Redis, an error reply such as
    /// OOM): what it carried, a trip to report or a state to read, is lost, and no reconnect will repair it. The fleet counts
    /// itself unsynchronized, so the next heartbeat Redis answers resyncs: it reads every key and reports a trip still in force.
    /// </summary>
    private void OnWorkFailed(Exception exception)
    {
        FleetLog.WorkFailed(_logger, exception, ReplicaId);
        if (exception is RedisException or TimeoutException && _synchronized)
        {
            _synchronized = false;
            FleetLog.Disconnected(_logger, ReplicaId, "CommandFailed");
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        _synchronized = false;
        FleetLog.Disconnected(_logger, ReplicaId, args.FailureType.ToString());
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args) => _queue.Enqueue(ResyncAfreshAsync);

    // A cluster's replica promoted in a dead master's place: the dead endpoint never comes back, so no ConnectionRestored
    // follows its ConnectionFailed; the new topology is the moment to read every key again (from their new masters).
    private void OnConfigurationChanged(object? sender, EndPointEventArgs args) => _queue.Enqueue(ResyncAfreshAsync);

    /// <summary>
    /// A resync on news from the client (a connection restored, a new topology): whatever refused the resyncs before may be
    /// gone, so the waits between failed resyncs start again from the shortest. A slow cluster failover otherwise left the
    /// heartbeat waiting up to 32 s after the cluster healed: every resync during it failed (CLUSTERDOWN, or a command
    /// queued for the dead master), and the last failures came just before the promoted replica took over.
    /// </summary>
    private Task ResyncAfreshAsync()
    {
        _failedResyncs = 0;
        Volatile.Write(ref _resyncNotBefore, 0);
        return ResyncAsync();
    }

    /// <summary>
    /// Subscribes (once), reads Redis' clock, then every key's stored state; re-reports trips still in force. A resync that
    /// fails makes the heartbeat wait before the next (2, 4, ... heartbeats, at most 32), sending
    /// nothing meanwhile: while Redis keeps refusing, the fleet's background commands stay within F1's one a second.
    /// </summary>
    private async Task ResyncAsync()
    {
        Volatile.Write(ref _resyncQueued, 0);
        if (_connection is not { IsConnected: true } connection)
        {
            return;
        }

        try
        {
            await ResyncConnectedAsync(connection).ConfigureAwait(false);
            _failedResyncs = 0;
            Volatile.Write(ref _resyncNotBefore, 0);
        }
        catch (Exception)
        {
            // The wait doubles once per wait: resyncs queued while one hung on a command (by the client's events, or by a
            // beat before the first had failed) fail one after another, and are one failure, not several.
            var now = _timeProvider.GetTimestamp();
            if (now >= Volatile.Read(ref _resyncNotBefore))
            {
                _failedResyncs = Math.Min(_failedResyncs + 1, MaxResyncWaitDoublings);
                var wait = Heartbeat * (1 << _failedResyncs);
                Volatile.Write(ref _resyncNotBefore, now + Ticks(wait));
                FleetLog.ResyncFailed(_logger, ReplicaId, (long)wait.TotalSeconds);
            }

            throw;
        }
    }

    private async Task ResyncConnectedAsync(IConnectionMultiplexer connection)
    {
        if (!_subscribed)
        {
            // Sharded pub/sub (Redis 7 and later): each breaker's messages travel on a channel of its own, in its keys' slot,
            // so a cluster carries them on that slot's shard only (a classic PUBLISH reaches every node of a cluster), and a
            // flood on one breaker's channel does not hold up another's. Before Redis 7, the fleet's one classic channel.
            // Decided once, on the first connection: every replica of one Redis decides alike.
            _sharded = connection.GetServers() is { Length: > 0 } servers && servers.All(server => server.Version >= ShardedPubSubSince);
            if (!_sharded)
            {
                await connection.GetSubscriber().SubscribeAsync(_keys.Channel, _onMessage).ConfigureAwait(false);
            }

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

        _unanswered = false;
        _synchronized = true;
        FleetLog.Synchronized(_logger, ReplicaId, _states.Count);
    }

    /// <summary>
    /// Applies what Redis holds for one key, when its version is newer than what this replica applied (a message heard
    /// since the read, or an operator's command of this replica, is newer and wins): a fleet isolation, an open fleet (for
    /// the break that remains), a half-open under way (still tripped) or a closed fleet. Then re-reports an own trip.
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
        // Subscribed before the read: a state stored after the read is then heard.
        await SubscribeAsync(state.Key).ConfigureAwait(false);
        var generation = Volatile.Read(ref state.ManualGeneration);
        var wasFleetIsolated = state.FleetIsolated;
        var result = (RedisResult[])(await connection.GetDatabase()
            .ScriptEvaluateAsync(FleetScripts.Read, [_keys.Isolated(state.Key), _keys.Open(state.Key), _keys.Tripped(state.Key), _keys.Version(state.Key)]).ConfigureAwait(false))!;
        var version = (long)result[5];
        var redisNow = long.Parse((string)result[3]!, CultureInfo.InvariantCulture);
        var isolated = Stored((string?)result[0], FleetMessageKind.Isolate, state.Key, "isolation", version) is not null;
        var remaining = 0L;
        if (!isolated && Stored((string?)result[1], FleetMessageKind.Open, state.Key, "open break", version) is { } open && (long)result[2] > 0)
        {
            // Never longer than the break the opener gave, whatever expiry the key was given since.
            remaining = Math.Min((long)result[2], open.Timestamp + open.BreakMilliseconds - redisNow);
        }

        lock (state.Lock)
        {
            // An operator's command under way here, or a newer state heard or written since the read: what was read is older.
            if (Stale() || !state.TryAdvance(version))
            {
                remaining = -1;
            }
            else
            {
                state.FleetIsolated = isolated;
                state.FleetOpen = !isolated && (remaining > 0 || (long)result[4] == 1);
                if (!state.FleetOpen)
                {
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }
            }
        }

        if (remaining >= 0)
        {
            var members = state.SnapshotMembers();
            foreach (var member in members)
            {
                if (Stale())
                {
                    return;
                }

                if (isolated)
                {
                    if (member.Breaker.CircuitState != CircuitState.Isolated)
                    {
                        await member.Breaker.IsolateAsync().ConfigureAwait(false);
                    }
                }
                else if (wasFleetIsolated && member.Breaker.CircuitState == CircuitState.Isolated)
                {
                    // Closed fleet-wide while this replica was away.
                    await member.Breaker.CloseAsync().ConfigureAwait(false);
                }

                if (remaining > 0)
                {
                    await member.OpenAsync(FromRedisMilliseconds(remaining)).ConfigureAwait(false);
                }
            }

            if (isolated)
            {
                return;
            }
        }

        if (reportOwnTrip && state.OwnTripUntil > _timeProvider.GetTimestamp() && state.SnapshotMembers().Any(member => member.Breaker.CircuitState == CircuitState.Open))
        {
            await TripAsync(state).ConfigureAwait(false);
        }

        // Checked again before each breaker it moves: an operator's command may come while the sync is applying what it read.
        // In-flight first: a command ending moves the generation before it drops the count.
        bool Stale() => Volatile.Read(ref state.ManualInFlight) > 0 || Volatile.Read(ref state.ManualGeneration) != generation;
    }

    /// <summary>Subscribes to the key's sharded channel, once (the client subscribes again by itself after a reconnect).</summary>
    private async Task SubscribeAsync(string key)
    {
        if (_sharded && !_subscribedKeys.Contains(key) && _connection is { } connection)
        {
            await connection.GetSubscriber().SubscribeAsync(_keys.ShardedChannel(key), _onMessage).ConfigureAwait(false);
            _subscribedKeys.Add(key);
        }
    }

    /// <summary>Unsubscribes from the key's sharded channel once no breaker of that key is left (a new one may have joined since).</summary>
    private async Task UnsubscribeAsync(string key)
    {
        if (!_states.ContainsKey(key) && _subscribedKeys.Remove(key) && _connection is { } connection)
        {
            await connection.GetSubscriber().UnsubscribeAsync(_keys.ShardedChannel(key), _onMessage).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads a stored payload; <see langword="null"/> when absent, or (logged) not a valid one of that kind and key, or not
    /// of the breaker's current <paramref name="version"/> (when given): an older state, copied back by someone.
    /// </summary>
    private FleetMessage? Stored(string? payload, FleetMessageKind kind, string key, string what, long? version = null)
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

        if (version is { } current && message.Order != current)
        {
            FleetLog.StoredStateOutdated(_logger, ReplicaId, what, key, message.Order, current);
            return null;
        }

        return message;
    }
}
