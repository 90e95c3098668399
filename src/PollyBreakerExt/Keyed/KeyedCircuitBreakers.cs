using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// A keyed strategy's breakers (DESIGN W10): one per key, built on demand, the least recently used closed ones forgotten
/// beyond <c>MaxKeys</c>, idle closed ones forgotten after <c>KeyIdleTimeout</c>, plus one shared default breaker for
/// calls whose key is <see langword="null"/>.
/// </summary>
/// <remarks>
/// A call through a known key costs the selector, one dictionary read and a stamp with the timestamp its admission reads;
/// forgetting never runs on it.
/// Breakers are built under one of a few striped locks, so a key never has two. Going past <c>MaxKeys</c> runs a sweep on
/// the call that added the key: it forgets the least recently used forgettable breakers down to <c>MaxKeys</c> less a
/// sixteenth, so a sweep (a scan and a sort) comes once per that many new keys, amortised O(log n) per new key. When too
/// few are forgettable (open, half-open, isolated), the next sweep waits for a sixteenth more keys, so a crowd of open
/// breakers does not make every new key scan. Idle breakers are forgotten by a timer of the pipeline's clock.
/// </remarks>
internal sealed class KeyedCircuitBreakers<T> : IKeyedCircuitBreakers, IManualControlTarget, IDisposable
{
    private const int CreationStripes = 64;
    private static readonly TimeSpan MaxIdleCheckPeriod = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, KeyedCircuitBreaker<T>> _breakers = new(StringComparer.Ordinal);
    private readonly Lock[] _creationLocks = CreateLocks();
    private readonly Lock _sweepLock = new();
    private readonly CircuitBreakerFactory<T> _factory;
    private readonly Func<ResilienceContext, string?> _selector;
    private readonly TimeProvider _timeProvider;
    private readonly SlowCallCircuitBreakerManualControl? _manualControl;
    private readonly int _maxKeys;
    private readonly long _idleTimeout; // in timestamp units; 0: never
    private readonly ITimer? _idleTimer;
    private int _count; // ConcurrentDictionary.Count takes every lock of the dictionary: counted here instead
    private int _sweepAt;
    private long _created;
    private volatile bool _disposed;

    public KeyedCircuitBreakers(CircuitBreakerFactory<T> factory)
    {
        var options = factory.Options;
        _factory = factory;
        _selector = options.KeySelector!;
        _timeProvider = factory.TimeProvider;
        _manualControl = options.ManualControl;
        _maxKeys = options.MaxKeys;
        _sweepAt = _maxKeys;
        var isolated = _manualControl?.Attach(this) == true;
        Default = factory.Create(null, isStrategysOwn: true, startIsolated: isolated);
        options.StateProvider?.AttachKeys(this);

        if (options.KeyIdleTimeout is { } idle && idle > TimeSpan.Zero)
        {
            _idleTimeout = Math.Max(1, Timestamps.FromDuration(idle, _timeProvider));

            // A key is forgotten between one and 1.1 timeouts after its last call. The timer holds the set weakly, so a
            // pipeline dropped without being disposed is still collected, and its timer with it.
            var period = idle / 10 is var tenth && tenth > MaxIdleCheckPeriod ? MaxIdleCheckPeriod : TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (idle / 10).Ticks));
            _idleTimer = _timeProvider.CreateTimer(
                static state =>
                {
                    if (((WeakReference<KeyedCircuitBreakers<T>>)state!).TryGetTarget(out var breakers))
                    {
                        breakers.ForgetIdle();
                    }
                },
                new WeakReference<KeyedCircuitBreakers<T>>(this),
                period,
                period);
        }
    }

    /// <summary>Gets the shared default breaker: calls whose key is <see langword="null"/> go through it.</summary>
    public CircuitCallExecutor<T> Default { get; }

    public int Count => Volatile.Read(ref _count);

    public long Created => Volatile.Read(ref _created);

    /// <summary>
    /// Returns the breaker of the call's key, building it when the key has none. A known key comes back in
    /// <paramref name="toStamp"/>, unstamped: the call stamps it with the timestamp its admission reads
    /// (<see cref="CircuitCallExecutor{T}.ExecuteAsync{TResult, TState}(Func{ResilienceContext, TState, ValueTask{Outcome{TResult}}}, ResilienceContext, TState, KeyedCircuitBreaker{T})"/>),
    /// so the clock is read once per call. A new key is stamped here, the default breaker never.
    /// </summary>
    /// <returns>
    /// The key's breaker, or <see langword="null"/> with the exception in <paramref name="failure"/> when the selector (or
    /// the registry or fleet told of a new key's breaker) threw. Caught here, not by the caller, so that the caller's hot
    /// path has no exception handler to keep its locals out of registers.
    /// </returns>
    public CircuitCallExecutor<T>? Select(ResilienceContext context, out KeyedCircuitBreaker<T>? toStamp, out Exception? failure)
    {
        toStamp = null;
        failure = null;
        try
        {
            var key = _selector(context);
            if (key is null)
            {
                return Default;
            }

            if (_breakers.TryGetValue(key, out var breaker))
            {
                toStamp = breaker;
                return breaker.Executor;
            }

            return Add(key, _timeProvider.GetTimestamp());
        }
#pragma warning disable CA1031 // The exception becomes the call's outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failure = exception;
            return null;
        }
    }

    public SlowCallCircuitBreakerHandle? Find(string? key)
        => key is null ? Default.Controller : _breakers.TryGetValue(key, out var breaker) ? breaker.Executor.Controller : null;

    public Task IsolateAsync(CancellationToken cancellationToken) => ForEach(static (controller, token) => controller.IsolateAsync(token), cancellationToken);

    public Task CloseAsync(CancellationToken cancellationToken) => ForEach(static (controller, token) => controller.CloseAsync(token), cancellationToken);

    public void Dispose()
    {
        _disposed = true;
        _idleTimer?.Dispose();
        _manualControl?.Detach(this);
        Default.Controller.Dispose();
        foreach (var pair in _breakers)
        {
            pair.Value.Executor.Controller.Dispose();
        }
    }

    /// <summary>Forgets closed breakers unused for <c>KeyIdleTimeout</c>; run by the timer.</summary>
    internal void ForgetIdle()
    {
        // A sweep under way forgets too; this check comes again a tenth of the timeout later.
        if (_disposed || !_sweepLock.TryEnter())
        {
            return;
        }

        try
        {
            var now = _timeProvider.GetTimestamp();
            var isolatedByControl = _manualControl?.IsIsolated == true;
            foreach (var pair in _breakers)
            {
                var breaker = pair.Value;
                if (now - breaker.LastUsed >= _idleTimeout && breaker.Executor.Controller.IsForgettable(now, isolatedByControl))
                {
                    Forget(breaker);
                }
            }
        }
        finally
        {
            _sweepLock.Exit();
        }
    }

    private static Lock[] CreateLocks()
    {
        var locks = new Lock[CreationStripes];
        for (var i = 0; i < locks.Length; i++)
        {
            locks[i] = new();
        }

        return locks;
    }

    private CircuitCallExecutor<T> Add(string key, long now)
    {
        KeyedCircuitBreaker<T> breaker;
        bool startedIsolated;
        lock (_creationLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % CreationStripes)])
        {
            if (_breakers.TryGetValue(key, out var existing))
            {
                existing.Touch(now);
                return existing.Executor;
            }

            startedIsolated = _manualControl?.IsIsolated == true;
            breaker = new KeyedCircuitBreaker<T>(key, _factory.Create(key, isStrategysOwn: false, startedIsolated), now);
            _breakers[key] = breaker;
        }

        var count = Interlocked.Increment(ref _count);
        Interlocked.Increment(ref _created);

        // The control moved while this breaker was being built, after it had gone through the live keys: catch up.
        if (_manualControl is { } control && control.IsIsolated != startedIsolated)
        {
            var controller = breaker.Executor.Controller;
            _ = startedIsolated ? controller.CloseAsync(CancellationToken.None) : controller.IsolateAsync(CancellationToken.None);
        }

        // Announced outside the creation lock: registries and fleets that hear it may run user code (a registry's isolation
        // raises the breaker's callbacks). Calls of the key may run through it meanwhile; they are its own, counted as usual.
        _factory.Announce(breaker.Executor.Controller);

        if (count > Volatile.Read(ref _sweepAt))
        {
            ForgetLeastRecentlyUsed(now, breaker);
        }

        return breaker.Executor;
    }

    private void ForgetLeastRecentlyUsed(long now, KeyedCircuitBreaker<T> added)
    {
        // Another thread sweeping will bring the count down; this key's call need not wait for it.
        if (!_sweepLock.TryEnter())
        {
            return;
        }

        try
        {
            var keep = _maxKeys - (_maxKeys / 16);
            var excess = Volatile.Read(ref _count) - keep;
            if (excess <= 0)
            {
                return;
            }

            var isolatedByControl = _manualControl?.IsIsolated == true;
            var stamps = new List<long>(_maxKeys + 16);
            var candidates = new List<KeyedCircuitBreaker<T>>(_maxKeys + 16);
            foreach (var pair in _breakers)
            {
                var breaker = pair.Value;
                // The key just added is about to take its call: never forgotten under it.
                if (breaker != added && breaker.Executor.Controller.IsForgettable(now, isolatedByControl))
                {
                    stamps.Add(breaker.LastUsed);
                    candidates.Add(breaker);
                }
            }

            CollectionsMarshal.AsSpan(stamps).Sort(CollectionsMarshal.AsSpan(candidates));
            for (var i = 0; i < candidates.Count && excess > 0; i++)
            {
                // Skipped when used since it was read: it is no longer the least recently used.
                if (candidates[i].LastUsed == stamps[i] && Forget(candidates[i]))
                {
                    excess--;
                }
            }

            var remaining = Volatile.Read(ref _count);
            Volatile.Write(ref _sweepAt, remaining <= _maxKeys ? _maxKeys : remaining + Math.Max(1, remaining / 16));
        }
        finally
        {
            _sweepLock.Exit();
        }
    }

    private bool Forget(KeyedCircuitBreaker<T> breaker)
    {
        if (!_breakers.TryRemove(KeyValuePair.Create(breaker.Key, breaker)))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        breaker.Executor.Controller.Dispose(); // leaves the fleet, and registries drop it; the key comes back as a fresh, closed breaker
        return true;
    }

    private Task ForEach(Func<CircuitStateController<T>, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var tasks = new List<Task> { action(Default.Controller, cancellationToken) };
        foreach (var pair in _breakers)
        {
            tasks.Add(action(pair.Value.Executor.Controller, cancellationToken));
        }

        return Task.WhenAll(tasks);
    }

    CircuitState IKeyedCircuitBreakers.StateOf(string? key)
        => Find(key)?.CircuitState ?? (_manualControl?.IsIsolated == true ? CircuitState.Isolated : CircuitState.Closed);
}
