using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>
/// A fleet of replicas whose breakers learn together over Redis: they share transitions, never calls (DESIGN W1).
/// </summary>
/// <remarks>
/// <para>
/// No call ever touches Redis: closed calls, rejections and probes are decided from memory. Redis is written when a
/// breaker trips or closes after probing (in the background), read when a breaker joins and when the replica
/// reconnects. While Redis is down, paused or unreachable every breaker works alone, exactly as without a fleet.
/// </para>
/// <para>
/// A trip opens the fleet once <see cref="RedisCircuitBreakerFleetOptions.Quorum"/> replicas reported one within the
/// quorum window; every replica's breaker of that key then opens (reason <see cref="CircuitTransitionReason.Fleet"/>) for
/// the break that remains. When the break ends one replica takes the probe lease and probes; its result closes or
/// reopens every replica.
/// </para>
/// </remarks>
public sealed partial class RedisCircuitBreakerFleet : ICircuitBreakerFleet, IAsyncDisposable
{
    /// <summary>How long a breaker waiting for the answer to its lease request rejects before it asks again.</summary>
    private static readonly TimeSpan LeaseAnswerPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>A lease request unanswered this long means Redis is stalled: the breaker probes alone.</summary>
    private static readonly TimeSpan LeasePatience = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the fleet pings Redis, and how long it waits for the answer: a Redis that stops answering without closing
    /// the connection (a black-holed network, a paused server) is reported disconnected within two heartbeats. One command
    /// per second, the whole of F1's background budget.
    /// </summary>
    internal static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between resyncs that fail, in doublings of the heartbeat: 32 s.</summary>
    private const int MaxResyncWaitDoublings = 5;

    /// <summary>How many times a state change is signed again when other writes keep moving the breaker's version past it.</summary>
    private const int MaxWriteAttempts = 5;

    private readonly RedisCircuitBreakerFleetOptions _options;
    private readonly FleetKeys _keys;
    private readonly byte[]? _signingKey;
    private readonly TimeProvider _timeProvider;
    private readonly RedisClock _clock;
    private readonly ReplayGuard _replayGuard = new();
    private readonly FleetTelemetry _telemetry;
    private readonly FleetWorkQueue _queue;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FleetKeyState> _states = new(StringComparer.Ordinal);
    private readonly Task<IConnectionMultiplexer> _connecting;
    private readonly bool _ownsConnection;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly ReplicaIdentity? _identity;
    private readonly HashSet<string> _subscribedKeys = new(StringComparer.Ordinal); // sharded channels subscribed; touched on the queue only
    private IConnectionMultiplexer? _connection;
    private volatile bool _synchronized;
    private volatile bool _sharded;
    private volatile bool _unanswered; // the heartbeat found Redis silent: resync once it answers again
    private ITimer? _heartbeat;
    private int _beating;
    private Task _lastBeat = Task.CompletedTask;
    private int _failedResyncs; // in a row; touched on the queue only
    private long _resyncNotBefore; // a timestamp: the heartbeat waits until then after failed resyncs
    private int _resyncQueued;
    private bool _subscribed;
    private int _disposed;

    /// <summary>Creates a fleet over <paramref name="connection"/>, which it uses but does not dispose.</summary>
    /// <param name="connection">The connection to Redis; it may be down now: the fleet joins its peers once it is up.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public RedisCircuitBreakerFleet(IConnectionMultiplexer connection, RedisCircuitBreakerFleetOptions? options = null)
        : this(Task.FromResult(connection ?? throw new ArgumentNullException(nameof(connection))), options, ownsConnection: false, loggerFactory: null, timeProvider: null)
    {
    }

    internal RedisCircuitBreakerFleet(
        Task<IConnectionMultiplexer> connecting,
        RedisCircuitBreakerFleetOptions? options,
        bool ownsConnection,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider)
    {
        _options = (options ?? new()).Clone();
        _options.Validate();
        _identity = _options.ReplicaId is null ? ReplicaIdentity.Acquire(_options.KeyPrefix) : null;
        ReplicaId = _options.ReplicaId ?? _identity!.Id;
        _keys = new FleetKeys(_options.KeyPrefix);
        _signingKey = _options.SigningKey;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _clock = new RedisClock(_timeProvider);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(FleetTelemetryNames.LoggerCategory);
        _telemetry = new FleetTelemetry(ReplicaId, _options.KeyPrefix, () => IsConnected);
        _queue = new FleetWorkQueue(_logger, OnWorkFailed);
        _connecting = connecting;
        _ownsConnection = ownsConnection;
        _onMessage = OnMessage;
        _queue.Enqueue(StartAsync);
    }

    /// <summary>Gets this replica's identity in the fleet.</summary>
    public string ReplicaId { get; }

    /// <summary>Gets whether the fleet reaches Redis and has synchronized its breakers; while not, they work alone.</summary>
    public bool IsConnected => _synchronized && _connection is { IsConnected: true };

    /// <inheritdoc/>
    void ICircuitBreakerFleet.Join(CircuitBreakerFleetMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!FleetMessage.Fits(member.Key, ReplicaId, _signingKey))
        {
            // Every replica would drop its messages as oversized: reported once here, and the breaker works alone.
            FleetLog.KeyTooLong(_logger, ReplicaId, member.Key.Length, FleetMessage.MaxLength);
            return;
        }

        FleetKeyState state;
        while (true)
        {
            state = State(member.Key);
            lock (state.Lock)
            {
                // A state its last member's Leave is forgetting right now is gone from the map: join a fresh one.
                if (!state.Forgotten)
                {
                    state.Members.Add(member);
                    break;
                }
            }
        }

        // Queued behind the start, so it runs once Redis is reached (F3); a reconnect reads every key again.
        _queue.Enqueue(() => SyncKeyAsync(state, reportOwnTrip: false));
    }

    /// <inheritdoc/>
    void ICircuitBreakerFleet.Leave(CircuitBreakerFleetMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (_states.TryGetValue(member.Key, out var state))
        {
            lock (state.Lock)
            {
                state.Members.Remove(member);
                if (state.Members.Count > 0 || Volatile.Read(ref state.ManualInFlight) > 0 || state.FleetIsolated)
                {
                    return;
                }

                // Its last breaker left (#20, B6): forgotten, so a process that builds and disposes many keeps nothing of
                // them and a reconnect reads none of them. A breaker of that key built later joins afresh and reads Redis.
                state.Forgotten = true;
                _states.TryRemove(new KeyValuePair<string, FleetKeyState>(member.Key, state));
            }

            _queue.Enqueue(() => UnsubscribeAsync(member.Key));
        }
    }

    /// <inheritdoc/>
    void ICircuitBreakerFleet.OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args)
    {
        // The fleet's own moves and an operator's local ones are not news for the fleet.
        if (args.Reason is CircuitTransitionReason.Fleet or CircuitTransitionReason.Manual || !_states.TryGetValue(member.Key, out var state))
        {
            return;
        }

        var now = _timeProvider.GetTimestamp();
        if (args.NewState == CircuitState.Open)
        {
            var breakDuration = args.BreakDuration ?? TimeSpan.Zero;
            string? lease;
            lock (state.Lock)
            {
                state.OwnTripUntil = now + Ticks(breakDuration);
                lease = args.PreviousState == CircuitState.HalfOpen && state.LeaseHeldUntil != 0 ? state.LeaseToken : null;
                state.LeaseHeldUntil = 0;
                state.WaitUntil = 0;
            }

            _queue.RunHereOrEnqueue(lease is not null ? () => ReopenAsync(state, breakDuration, lease) : () => TripAsync(state));
        }
        else if (args.NewState == CircuitState.Closed)
        {
            string? lease;
            lock (state.Lock)
            {
                lease = state.LeaseHeldUntil != 0 ? state.LeaseToken : null;
                state.OwnTripUntil = 0;
                state.LeaseHeldUntil = 0;
                state.WaitUntil = 0;
                state.FleetOpen = false;
            }

            if (lease is not null)
            {
                _queue.RunHereOrEnqueue(() => ClosedAsync(state, lease));
            }
        }
    }

    /// <inheritdoc/>
    bool ICircuitBreakerFleet.TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!IsConnected || !_states.TryGetValue(member.Key, out var state) || !state.FleetOpen)
        {
            return true; // alone: the breaker probes on its own
        }

        var now = _timeProvider.GetTimestamp();
        lock (state.Lock)
        {
            if (state.LeaseHeldUntil != 0 && now < state.LeaseHeldUntil)
            {
                return true;
            }

            if (state.WaitUntil != 0 && now < state.WaitUntil)
            {
                retryAfter = _timeProvider.GetElapsedTime(now, state.WaitUntil);
                return false;
            }

            if (state.LeaseRequestedAt == 0)
            {
                state.LeaseRequestedAt = now;
                _queue.Enqueue(() => RequestLeaseAsync(state));
                retryAfter = LeaseAnswerPoll;
                return false;
            }

            if (_timeProvider.GetElapsedTime(state.LeaseRequestedAt, now) <= LeasePatience)
            {
                retryAfter = LeaseAnswerPoll;
                return false;
            }

            state.LeaseRequestedAt = 0;
        }

        FleetLog.ProbingAlone(_logger, ReplicaId, member.Key, "its lease request had no answer within 1 s");
        return true;
    }

    /// <summary>Stops listening and sending; the breakers keep their state and work alone. Disposes the connection if the fleet made it.</summary>
    /// <returns>A task that completes once the fleet stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _synchronized = false;
        if (Volatile.Read(ref _heartbeat) is { } heartbeat)
        {
            await heartbeat.DisposeAsync().ConfigureAwait(false);
        }

        await _queue.DisposeAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _connection) is not { } connection)
        {
            if (_ownsConnection)
            {
                // Still connecting: the multiplexer the fleet made would otherwise outlive it.
                _ = _connecting.ContinueWith(
                    static connecting => connecting.Result.Dispose(),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion,
                    TaskScheduler.Default);
            }
        }
        else
        {
            connection.ConnectionFailed -= OnConnectionFailed;
            connection.ConnectionRestored -= OnConnectionRestored;
            connection.ConfigurationChanged -= OnConfigurationChanged;
            try
            {
                var subscriber = connection.GetSubscriber();
                await subscriber.UnsubscribeAsync(_keys.Channel, _onMessage, CommandFlags.FireAndForget).ConfigureAwait(false);
                foreach (var key in _subscribedKeys)
                {
                    await subscriber.UnsubscribeAsync(_keys.ShardedChannel(key), _onMessage, CommandFlags.FireAndForget).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // Redis may be down at disposal; there is nothing left to undo.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            if (_ownsConnection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        _telemetry.Dispose();
        _identity?.Dispose();
    }

    /// <summary>Gets the meter of this fleet's instruments (for tests).</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _telemetry.Meter;

    /// <summary>Gets the last heartbeat's work (for tests on a fake clock: the beat a timer advance fired).</summary>
    internal Task LastBeat => Volatile.Read(ref _lastBeat);

    /// <summary>Gets how many breaker keys the fleet keeps state for (for tests).</summary>
    internal int KeyCount => _states.Count;

    /// <summary>
    /// Completes once the fleet's background work queued so far has run (for tests: a breaker that joined before it is
    /// subscribed and synchronized, so a message published after it is heard rather than read).
    /// </summary>
    internal Task DrainAsync()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Enqueue(() =>
        {
            drained.TrySetResult();
            return Task.CompletedTask;
        });
        return drained.Task;
    }

    /// <summary>Where the key's messages are published: its own sharded channel, or the fleet's one classic channel.</summary>
    private RedisValue ChannelOf(string key) => (_sharded ? _keys.ShardedChannel(key) : _keys.Channel).ToString();

    /// <summary>A duration read from Redis (a PTTL anyone with write access may have set), kept within the core's one-day break.</summary>
    private static TimeSpan FromRedisMilliseconds(long milliseconds) => TimeSpan.FromMilliseconds(Math.Clamp(milliseconds, 0, FleetMessage.MaxBreakMilliseconds));

    private long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * _timeProvider.TimestampFrequency);

    private FleetKeyState State(string key) => _states.GetOrAdd(key, static key => new FleetKeyState(key));

    private string Message(FleetMessageKind kind, string key, long breakMilliseconds = 0, long order = 0)
        => FleetMessage.Create(kind, ReplicaId, _clock.Now(), key, breakMilliseconds, order).Serialize(_signingKey);

    /// <summary>
    /// Runs a script that changes the key's state, with a payload signed at an order above the breaker's version in Redis:
    /// this replica's reading of Redis' clock in microseconds (so orders keep rising over a Redis that restarted empty), or
    /// one above the last order it knows. A script refuses an order not above the version (-3, with the version): signed
    /// again above it, a few times. Returns the script's answer and the order it was given.
    /// </summary>
    private async Task<(RedisResult[] Result, long Order)> WriteAsync(IDatabase database, FleetKeyState state, Func<long, (string Script, RedisKey[] Keys, RedisValue[] Values)> write)
    {
        long floor;
        lock (state.Lock)
        {
            floor = state.AppliedOrder;
        }

        for (var attempt = 1; ; attempt++)
        {
            var order = Math.Max(floor + 1, _clock.Now() * 1000);
            var (script, keys, values) = write(order);
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(FleetScripts.Publishing(script, _sharded), keys, values).ConfigureAwait(false))!;
            if ((long)result[0] != -3 || attempt == MaxWriteAttempts)
            {
                return (result, order);
            }

            floor = Math.Max(floor, (long)result[1]);
        }
    }

    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!_clock.IsSynchronized)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "The fleet has not reached Redis yet: the change was made on this replica only.");
        }

        return connection.GetDatabase();
    }
}
