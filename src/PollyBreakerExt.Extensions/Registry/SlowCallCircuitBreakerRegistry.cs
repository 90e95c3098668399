using System.Collections.Concurrent;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// Every live slow-call circuit breaker built in this container, with its names, state and metrics, and an operator's
/// switch to isolate or close breakers by name.
/// </summary>
/// <remarks>
/// <para>
/// Register it with <c>services.AddSlowCallCircuitBreakerRegistry()</c> (<c>AddSlowCallResilienceHandler</c> does it
/// too). From then on every breaker built through the container is listed: pipelines added with
/// <c>AddResiliencePipeline</c>, HttpClient handlers added with <c>AddResilienceHandler</c> or
/// <c>AddSlowCallResilienceHandler</c>, and each per-authority instance. Pipelines are built lazily, so a breaker appears
/// when its pipeline is first used.
/// </para>
/// <para>
/// A strategy with a <c>KeySelector</c> lists each key's breaker on its own, under its strategy's names and its
/// <see cref="SlowCallCircuitBreakerSnapshot.BreakerKey"/>, and joins the container's fleet as <c>{registry key}/{key}</c>.
/// </para>
/// <para>
/// Breakers are held by weak reference and leave the list once their pipeline is disposed: when the container is
/// disposed, or when a configuration reload replaces the pipeline with a fresh breaker. A key's breaker leaves it as soon
/// as its strategy forgets it (<c>MaxKeys</c>, <c>KeyIdleTimeout</c>), so the list stays as bounded as the keys.
/// </para>
/// </remarks>
public sealed class SlowCallCircuitBreakerRegistry
{
    // Dropping dead entries scans the list: done when it has doubled since, so a keyed strategy that builds and forgets
    // a million keys' breakers pays O(1) per breaker and the list holds at most twice the live ones.
    private const int MinPurgeAt = 64;

    private readonly Lock _lock = new();
    private readonly List<RegisteredCircuitBreaker> _breakers = [];
    private readonly List<CircuitBreakerSelector> _isolations = [];

    // The listed key's breakers by names and key, so a rejection finds its entry without scanning the list; entries leave
    // with the list's dead ones, so it stays as bounded as the list.
    private readonly ConcurrentDictionary<(string? Pipeline, string? Instance, string Strategy, string BreakerKey), RegisteredCircuitBreaker> _keyed = new();
    private readonly ICircuitBreakerFleet? _fleet;
    private int _purgeAt = MinPurgeAt; // the list's length at which registering drops the dead entries again

    internal SlowCallCircuitBreakerRegistry(ICircuitBreakerFleet? fleet = null, TimeProvider? timeProvider = null)
    {
        _fleet = fleet;
        Listener = new CircuitBreakerRegistryListener(this);
        History = new CircuitBreakerHistory(this, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Raised after every transition of every registered breaker, once its callbacks have run; for the extensions' metrics
    /// and logs. Handlers run inside the breaker's event dispatch, on the caller's thread: they must be quick and must not throw.
    /// </summary>
    internal event Action<RegisteredCircuitBreaker, CircuitStateChangedArguments>? StateChanged;

    /// <summary>
    /// Raised when a breaker is listed, before any transition of it is raised; for the extensions' metrics, which note a
    /// breaker built isolated. Runs inside Polly's pipeline build: it must be quick and must not throw.
    /// </summary>
    internal event Action<RegisteredCircuitBreaker>? BreakerAdded;

    /// <summary>
    /// Raised for every call a registered breaker rejects, with the names Polly attached to its <c>OnCircuitRejected</c>
    /// event; for the extensions' metrics. Runs on the rejected caller's thread: it must be quick and must not throw.
    /// </summary>
    internal event Action<ResilienceTelemetrySource, OnCircuitRejectedArguments>? CallRejected;

    /// <summary>Gets the listener to add to Polly's <see cref="TelemetryOptions.TelemetryListeners"/>.</summary>
    internal TelemetryListener Listener { get; }

    /// <summary>Gets each breaker's recent transitions and rejection count, and a feed of transitions as they happen: what the operator endpoints show.</summary>
    public CircuitBreakerHistory History { get; }

    /// <summary>
    /// Lists every live breaker, in the order they were built, once per pipeline, instance and strategy name.
    /// </summary>
    /// <returns>A snapshot of each breaker's names, state, metrics and retry-after.</returns>
    /// <remarks>Breakers are told apart by their names: give each slow-call breaker of a pipeline its own options <c>Name</c>.</remarks>
    public IReadOnlyList<SlowCallCircuitBreakerSnapshot> GetBreakers()
    {
        var snapshots = new List<SlowCallCircuitBreakerSnapshot>();
        var indexByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var breaker in GetLive())
        {
            if (breaker.TakeSnapshot() is not { } snapshot)
            {
                continue;
            }

            // When two callers ask Polly's registry for a pipeline that does not exist yet, both build one and one is
            // dropped undisposed: its breaker lives on, unused, until collected. It is never used, so it is closed and
            // empty; keep whichever twin shows more, so the list has one entry per key and never hides the live one.
            if (!indexByKey.TryGetValue(breaker.Key, out var twin))
            {
                indexByKey.Add(breaker.Key, snapshots.Count);
                snapshots.Add(snapshot);
            }
            else if (IsPristine(snapshots[twin]))
            {
                snapshots[twin] = snapshot;
            }
        }

        return snapshots;
    }

    /// <summary>
    /// Isolates the breakers of a pipeline: they reject every call with <see cref="IsolatedCircuitException"/> until
    /// <see cref="CloseAsync"/> closes them.
    /// </summary>
    /// <param name="pipelineName">The pipeline name, as <see cref="SlowCallCircuitBreakerSnapshot.PipelineName"/> shows it.</param>
    /// <param name="pipelineInstanceName">The instance (for example an authority); <see langword="null"/> selects every instance.</param>
    /// <param name="strategyName">The breaker's strategy name; <see langword="null"/> selects every slow-call breaker of the pipeline.</param>
    /// <param name="cancellationToken">The token passed to the breakers' callbacks.</param>
    /// <returns>How many live breakers were isolated.</returns>
    /// <exception cref="ArgumentException"><paramref name="pipelineName"/> is <see langword="null"/> or empty.</exception>
    /// <remarks>
    /// The isolation is remembered: a matching breaker built later (a new authority, or a fresh breaker after a
    /// configuration reload) starts isolated too, so a pipeline the container has not built yet can be isolated ahead of use.
    /// </remarks>
    public async Task<int> IsolateAsync(
        string pipelineName,
        string? pipelineInstanceName = null,
        string? strategyName = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipelineName);
        return await IsolateSelectedAsync(new CircuitBreakerSelector(pipelineName, pipelineInstanceName, strategyName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the breakers of a pipeline, whatever their state, and clears their windows.
    /// </summary>
    /// <param name="pipelineName">The pipeline name, as <see cref="SlowCallCircuitBreakerSnapshot.PipelineName"/> shows it.</param>
    /// <param name="pipelineInstanceName">The instance (for example an authority); <see langword="null"/> selects every instance.</param>
    /// <param name="strategyName">The breaker's strategy name; <see langword="null"/> selects every slow-call breaker of the pipeline.</param>
    /// <param name="cancellationToken">The token passed to the breakers' callbacks.</param>
    /// <returns>How many live breakers were closed.</returns>
    /// <exception cref="ArgumentException"><paramref name="pipelineName"/> is <see langword="null"/> or empty.</exception>
    /// <remarks>
    /// It also forgets the remembered isolations it covers. An isolation broader than the close (say, every instance of the
    /// pipeline, closed for one instance) stays remembered for breakers built later.
    /// </remarks>
    public async Task<int> CloseAsync(
        string pipelineName,
        string? pipelineInstanceName = null,
        string? strategyName = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipelineName);
        return await CloseSelectedAsync(new CircuitBreakerSelector(pipelineName, pipelineInstanceName, strategyName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Isolates the breaker listed under <paramref name="key"/> (<see cref="SlowCallCircuitBreakerSnapshot.Key"/>): for a
    /// key's breaker of a keyed strategy, that key only; for any other breaker, what <see cref="IsolateAsync"/> selects by
    /// its names (a keyed strategy's shared default breaker stands for the whole strategy). Remembered as
    /// <see cref="IsolateAsync"/> remembers, so the key's breaker built again after a reload starts isolated.
    /// </summary>
    /// <param name="key">The breaker key, as <see cref="SlowCallCircuitBreakerSnapshot.Key"/> shows it.</param>
    /// <param name="cancellationToken">The token passed to the breaker's callbacks.</param>
    /// <returns><see langword="false"/> when no live breaker with a pipeline name is listed under <paramref name="key"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <see langword="null"/> or empty.</exception>
    public Task<bool> IsolateByKeyAsync(string key, CancellationToken cancellationToken = default)
        => ByKeyAsync(key, IsolateSelectedAsync, cancellationToken);

    /// <summary>
    /// Closes the breaker listed under <paramref name="key"/> (<see cref="SlowCallCircuitBreakerSnapshot.Key"/>): for a key's
    /// breaker of a keyed strategy, that key only; for any other breaker, what <see cref="CloseAsync"/> selects by its names.
    /// </summary>
    /// <param name="key">The breaker key, as <see cref="SlowCallCircuitBreakerSnapshot.Key"/> shows it.</param>
    /// <param name="cancellationToken">The token passed to the breaker's callbacks.</param>
    /// <returns><see langword="false"/> when no live breaker with a pipeline name is listed under <paramref name="key"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <see langword="null"/> or empty.</exception>
    public Task<bool> CloseByKeyAsync(string key, CancellationToken cancellationToken = default)
        => ByKeyAsync(key, CloseSelectedAsync, cancellationToken);

    /// <summary>Adds a breaker that was just built. Called from the telemetry listener, inside Polly's pipeline build.</summary>
    internal void Register(ResilienceTelemetrySource source, SlowCallCircuitBreakerHandle controller)
    {
        var breaker = new RegisteredCircuitBreaker(
            source.PipelineName,
            string.IsNullOrEmpty(source.PipelineInstanceName) ? null : source.PipelineInstanceName,
            source.StrategyName ?? controller.Name,
            controller);

        bool isolate;
        lock (_lock)
        {
            if (_breakers.Count >= _purgeAt)
            {
                PurgeDead_NeedsLock();
            }

            _breakers.Add(breaker);
            if (breaker.BreakerKey is { } breakerKey)
            {
                // A key's breaker built again (after its key was forgotten, or a reload) is a new entry: its count starts anew.
                _keyed[(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName, breakerKey)] = breaker;
            }

            isolate = _isolations.Exists(selector => selector.Matches(breaker));
        }

        BreakerAdded?.Invoke(breaker);

        // The breaker holds this handler, not the other way round, so the registry still keeps nothing alive.
        controller.StateChanged += args => StateChanged?.Invoke(breaker, args);

        // The breaker joins the container's fleet under its registry key (DESIGN W1); one built with its own fleet keeps it.
        if (_fleet is not null && controller.JoinFleet(_fleet, breaker.Key))
        {
            breaker.FleetKey = controller.FleetMember?.Key;
        }

        if (isolate)
        {
            // Nothing has run through the new breaker yet, so there is no call to wait for; the callbacks run on their own.
            _ = controller.IsolateAsync(CancellationToken.None);
        }
    }

    private Task<int> IsolateSelectedAsync(CircuitBreakerSelector selector, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_isolations.Contains(selector))
            {
                _isolations.Add(selector);
            }
        }

        return ApplyAsync(selector, static (breaker, token) => breaker.IsolateAsync(token), cancellationToken);
    }

    private Task<int> CloseSelectedAsync(CircuitBreakerSelector selector, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _isolations.RemoveAll(selector.Covers);
        }

        return ApplyAsync(selector, static (breaker, token) => breaker.CloseAsync(token), cancellationToken);
    }

    private async Task<bool> ByKeyAsync(string key, Func<CircuitBreakerSelector, CancellationToken, Task<int>> apply, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (SelectorOf(key) is not { } selector)
        {
            return false;
        }

        await apply(selector, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Selects exactly the live breaker listed under <paramref name="key"/>; null when there is none, or it has no pipeline name.</summary>
    private CircuitBreakerSelector? SelectorOf(string key)
    {
        foreach (var breaker in GetLive())
        {
            if (string.Equals(breaker.Key, key, StringComparison.Ordinal) && breaker.PipelineName is { } pipelineName)
            {
                // The strategy name is always set, so the selector matches the key's breaker and not its siblings or the default one.
                return new CircuitBreakerSelector(pipelineName, breaker.PipelineInstanceName, breaker.StrategyName, breaker.BreakerKey);
            }
        }

        return null;
    }

    /// <summary>Gets the listed entry of the key's breaker with these names; null when none is listed.</summary>
    internal RegisteredCircuitBreaker? FindKeyed(string? pipelineName, string? pipelineInstanceName, string strategyName, string breakerKey)
        => _keyed.GetValueOrDefault((pipelineName, pipelineInstanceName, strategyName, breakerKey));

    /// <summary>Passes on a rejection reported through Polly's telemetry. Called from the telemetry listener.</summary>
    internal void OnCallRejected(ResilienceTelemetrySource source, in OnCircuitRejectedArguments rejected)
        => CallRejected?.Invoke(source, rejected);

    /// <summary>Lists the live breakers, dropping collected and disposed ones; may hold unused twins (see <see cref="GetBreakers"/>).</summary>
    internal RegisteredCircuitBreaker[] GetLive()
    {
        lock (_lock)
        {
            PurgeDead_NeedsLock();
            return [.. _breakers];
        }
    }

    /// <summary>Gets how many entries the list holds, dead ones not yet dropped included; read by tests of its bound.</summary>
    internal int EntryCount
    {
        get
        {
            lock (_lock)
            {
                return _breakers.Count;
            }
        }
    }

    /// <summary>Gets how many key's breakers the registry finds rejections by, dead ones not yet dropped included; read by tests of its bound.</summary>
    internal int KeyedEntryCount => _keyed.Count;

    private void PurgeDead_NeedsLock()
    {
        _breakers.RemoveAll(registered =>
        {
            if (registered.TryGetController(out _))
            {
                return false;
            }

            if (registered.BreakerKey is { } breakerKey)
            {
                _keyed.TryRemove(KeyValuePair.Create((registered.PipelineName, registered.PipelineInstanceName, registered.StrategyName, breakerKey), registered));
            }

            return true;
        });
        _purgeAt = Math.Max(MinPurgeAt, 2 * _breakers.Count);
    }

    private static bool IsPristine(SlowCallCircuitBreakerSnapshot snapshot)
        => snapshot.State == CircuitState.Closed && snapshot.Metrics.Calls == 0;

    /// <summary>Runs <paramref name="action"/> on every live breaker the selector matches; returns how many.</summary>
    private async Task<int> ApplyAsync(
        CircuitBreakerSelector selector,
        Func<SlowCallCircuitBreakerHandle, CancellationToken, Task> action,
        CancellationToken cancellationToken)
    {
        var targets = new List<SlowCallCircuitBreakerHandle>();
        foreach (var breaker in GetLive())
        {
            if (selector.Matches(breaker) && breaker.TryGetController(out var controller))
            {
                targets.Add(controller);
            }
        }

        await Task.WhenAll(targets.Select(target => action(target, cancellationToken))).ConfigureAwait(false);
        return targets.Count;
    }
}
