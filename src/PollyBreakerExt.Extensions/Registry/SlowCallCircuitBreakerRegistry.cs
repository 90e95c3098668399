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
/// Breakers are held by weak reference and leave the list once their pipeline is disposed: when the container is
/// disposed, or when a configuration reload replaces the pipeline with a fresh breaker.
/// </para>
/// </remarks>
public sealed class SlowCallCircuitBreakerRegistry
{
    private readonly Lock _lock = new();
    private readonly List<RegisteredCircuitBreaker> _breakers = [];
    private readonly List<CircuitBreakerSelector> _isolations = [];

    private readonly ICircuitBreakerFleet? _fleet;

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
        foreach (var breaker in GetLive())
        {
            if (breaker.TakeSnapshot() is not { } snapshot)
            {
                continue;
            }

            // When two callers ask Polly's registry for a pipeline that does not exist yet, both build one and one is
            // dropped undisposed: its breaker lives on, unused, until collected. It is never used, so it is closed and
            // empty; keep whichever twin shows more, so the list has one entry per name and never hides the live one.
            var twin = snapshots.FindIndex(listed => HasSameNames(listed, snapshot));
            if (twin < 0)
            {
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

        var selector = new CircuitBreakerSelector(pipelineName, pipelineInstanceName, strategyName);
        lock (_lock)
        {
            if (!_isolations.Contains(selector))
            {
                _isolations.Add(selector);
            }
        }

        return await ApplyAsync(selector, static (breaker, token) => breaker.IsolateAsync(token), cancellationToken).ConfigureAwait(false);
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

        var selector = new CircuitBreakerSelector(pipelineName, pipelineInstanceName, strategyName);
        lock (_lock)
        {
            _isolations.RemoveAll(selector.Covers);
        }

        return await ApplyAsync(selector, static (breaker, token) => breaker.CloseAsync(token), cancellationToken).ConfigureAwait(false);
    }

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
            _breakers.RemoveAll(static registered => !registered.TryGetController(out _));
            _breakers.Add(breaker);
            isolate = _isolations.Exists(selector => selector.Matches(breaker));
        }

        BreakerAdded?.Invoke(breaker);

        // The breaker holds this handler, not the other way round, so the registry still keeps nothing alive.
        controller.StateChanged += args => StateChanged?.Invoke(breaker, args);

        // The breaker joins the container's fleet under its registry key (DESIGN W1); one built with its own fleet keeps it.
        if (_fleet is not null && controller.JoinFleet(_fleet, FleetKey(breaker)))
        {
            breaker.FleetKey = controller.FleetMember?.Key;
        }

        if (isolate)
        {
            // Nothing has run through the new breaker yet, so there is no call to wait for; the callbacks run on their own.
            _ = controller.IsolateAsync(CancellationToken.None);
        }
    }

    /// <summary>Passes on a rejection reported through Polly's telemetry. Called from the telemetry listener.</summary>
    internal void OnCallRejected(ResilienceTelemetrySource source, in OnCircuitRejectedArguments rejected)
        => CallRejected?.Invoke(source, rejected);

    /// <summary>Lists the live breakers, dropping collected and disposed ones; may hold unused twins (see <see cref="GetBreakers"/>).</summary>
    internal RegisteredCircuitBreaker[] GetLive()
    {
        lock (_lock)
        {
            _breakers.RemoveAll(static registered => !registered.TryGetController(out _));
            return [.. _breakers];
        }
    }

    /// <summary>The breaker key of DESIGN W1: pipeline, instance and strategy names joined by <c>/</c>, empty ones left out.</summary>
    internal static string FleetKey(RegisteredCircuitBreaker breaker)
        => string.Join('/', new[] { breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName }.Where(static part => !string.IsNullOrEmpty(part)));

    private static bool HasSameNames(SlowCallCircuitBreakerSnapshot left, SlowCallCircuitBreakerSnapshot right)
        => string.Equals(left.PipelineName, right.PipelineName, StringComparison.Ordinal)
            && string.Equals(left.PipelineInstanceName, right.PipelineInstanceName, StringComparison.Ordinal)
            && string.Equals(left.StrategyName, right.StrategyName, StringComparison.Ordinal);

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
