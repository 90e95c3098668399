using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// What the registry remembers of each breaker for operators: its last <see cref="CircuitBreakerTransitionRing.Capacity"/>
/// transitions (newest first), since when it is in its state, its last reason, and how many calls it rejected; and a feed
/// of transitions as they happen, for live views.
/// </summary>
/// <remarks>
/// Fed from the registry's events: transitions, which are rare, and rejections, which the registry already reports. A
/// call that neither transitions nor is rejected never reaches it. Rings are attached to the registered breaker without
/// keeping it alive, so a disposed breaker's history goes with it. Rejections are counted by the breaker's names, and a
/// keyed strategy's key breaker (DESIGN W10) counts its own on its registry entry, so a forgotten key's count goes with
/// it: a strategy's names are few, its keys are not.
/// </remarks>
public sealed class CircuitBreakerHistory
{
    private readonly SlowCallCircuitBreakerRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly ConditionalWeakTable<RegisteredCircuitBreaker, CircuitBreakerTransitionRing> _rings = [];
    private readonly ConcurrentDictionary<(string?, string?, string?), StrongBox<long>> _rejections = new();
    private readonly Lock _lock = new();
    private Action<string, CircuitBreakerTransitionRecord>[] _subscribers = [];

    internal CircuitBreakerHistory(SlowCallCircuitBreakerRegistry registry, TimeProvider timeProvider)
    {
        _registry = registry;
        _timeProvider = timeProvider;
        registry.BreakerAdded += OnBreakerAdded;
        registry.StateChanged += OnStateChanged;
        registry.CallRejected += OnCallRejected;
    }

    /// <summary>Gets how many live subscriptions there are: each open operator stream holds one.</summary>
    internal int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Gets the ring of a listed breaker.</summary>
    internal CircuitBreakerTransitionRing RingOf(RegisteredCircuitBreaker breaker)
        => _rings.GetValue(breaker, _ => new CircuitBreakerTransitionRing(_timeProvider.GetUtcNow()));

    /// <summary>
    /// Gets the ring of every live breaker by its key. Of twins (see <see cref="SlowCallCircuitBreakerRegistry.GetBreakers"/>)
    /// it is the one whose last transition is the latest: the twin that is used.
    /// </summary>
    /// <returns>A new dictionary, by breaker key (ordinal).</returns>
    public IReadOnlyDictionary<string, CircuitBreakerTransitionRing> RingsByKey()
    {
        var rings = new Dictionary<string, CircuitBreakerTransitionRing>(StringComparer.Ordinal);
        foreach (var breaker in _registry.GetLive())
        {
            var key = breaker.Key;
            var ring = RingOf(breaker);
            if (!rings.TryGetValue(key, out var listed) || LastAt(ring) > LastAt(listed))
            {
                rings[key] = ring;
            }
        }

        return rings;
    }

    /// <summary>
    /// Gets how many calls breakers with these names and no key have rejected since the registry was created: for a keyed
    /// strategy, its shared default breaker's; each key's breaker counts its own (<see cref="SlowCallCircuitBreakerStatus.RejectedCalls"/>).
    /// </summary>
    /// <param name="pipelineName">The pipeline's name.</param>
    /// <param name="pipelineInstanceName">The pipeline instance's name, or <see langword="null"/>.</param>
    /// <param name="strategyName">The breaker's options' name.</param>
    /// <returns>The count; 0 for names no breaker has.</returns>
    public long RejectedCalls(string? pipelineName, string? pipelineInstanceName, string? strategyName)
        => _rejections.TryGetValue((pipelineName, pipelineInstanceName, strategyName), out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>Gets how many calls the listed breaker rejected: by its names, or for a key's breaker, since it was listed.</summary>
    internal long RejectedCalls(SlowCallCircuitBreakerSnapshot breaker)
        => breaker.BreakerKey is { } breakerKey
            ? _registry.FindKeyed(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName, breakerKey)?.RejectedCalls ?? 0
            : RejectedCalls(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName);

    /// <summary>
    /// Calls <paramref name="onTransition"/> with the breaker's key and the transition after each transition is recorded,
    /// on the thread that raised it, until the returned subscription is disposed. It must be quick and must not throw.
    /// </summary>
    /// <param name="onTransition">Called with the breaker key and the transition.</param>
    /// <returns>The subscription: dispose it to stop.</returns>
    public IDisposable Subscribe(Action<string, CircuitBreakerTransitionRecord> onTransition)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, onTransition];
        }

        return new Subscription(this, onTransition);
    }

    private void Unsubscribe(Action<string, CircuitBreakerTransitionRecord> onTransition)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, onTransition);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private static DateTimeOffset LastAt(CircuitBreakerTransitionRing ring) => ring.Last?.At ?? DateTimeOffset.MinValue;

    private void OnBreakerAdded(RegisteredCircuitBreaker breaker) => _ = RingOf(breaker);

    private void OnStateChanged(RegisteredCircuitBreaker breaker, CircuitStateChangedArguments args)
    {
        var transition = new CircuitBreakerTransitionRecord(_timeProvider.GetUtcNow(), args.PreviousState, args.NewState, args.Reason);
        RingOf(breaker).Add(transition);

        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0)
        {
            return;
        }

        var key = breaker.Key;
        foreach (var subscriber in subscribers)
        {
            subscriber(key, transition);
        }
    }

    private void OnCallRejected(ResilienceTelemetrySource source, OnCircuitRejectedArguments rejected)
    {
        // Named as Register names the breaker, so the count is found under the names the registry lists.
        var names = (
            source.PipelineName,
            string.IsNullOrEmpty(source.PipelineInstanceName) ? null : source.PipelineInstanceName,
            source.StrategyName ?? rejected.BreakerName);
        if (rejected.BreakerKey is { } breakerKey)
        {
            _registry.FindKeyed(names.Item1, names.Item2, names.Item3, breakerKey)?.CountRejection();
            return;
        }

        var count = _rejections.GetOrAdd(names, static _ => new StrongBox<long>());
        Interlocked.Increment(ref count.Value);
    }

    private sealed class Subscription(CircuitBreakerHistory history, Action<string, CircuitBreakerTransitionRecord> onTransition) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                history.Unsubscribe(onTransition);
            }
        }
    }
}
