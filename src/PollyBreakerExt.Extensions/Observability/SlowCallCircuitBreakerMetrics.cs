using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Polly.CircuitBreaker;
using Polly.Telemetry;
using static PollyBreakerExt.SlowCallCircuitBreakerTelemetryNames;

namespace PollyBreakerExt;

/// <summary>
/// The <c>PollyBreakerExt</c> meter: per breaker of the registry, its state, ratios and window as gauges, and counters of
/// its transitions and rejected calls, and a histogram of how long it stayed away from closed.
/// </summary>
/// <remarks>
/// Created with the registry, so it hears every breaker from the first; the gauges read the registry when a listener
/// collects, and cost nothing otherwise. Every instrument carries Polly's <c>pipeline.name</c>,
/// <c>pipeline.instance</c> (when there is one) and <c>strategy.name</c>; a keyed strategy's breakers also carry
/// <c>breaker_key</c>, capped at 100 values per strategy: later keys' rejections are counted under <c>other</c>, and their
/// gauges are left out (a gauge of many breakers at once would mean nothing).
/// </remarks>
internal sealed class SlowCallCircuitBreakerMetrics
{
    // Break durations are seconds to minutes; an isolation may last hours.
    private static readonly double[] OpenDurationBuckets = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

    private readonly SlowCallCircuitBreakerRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _rejectedCalls;
    private readonly Histogram<double> _openDuration;
    private readonly ConditionalWeakTable<RegisteredCircuitBreaker, OpenEpisode> _episodes = [];
    private readonly BreakerKeyTagValues _breakerKeys = new();

    public SlowCallCircuitBreakerMetrics(SlowCallCircuitBreakerRegistry registry, IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        _registry = registry;
        _timeProvider = timeProvider;

        // The factory owns the meter and disposes it with the container.
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(
            State,
            () => Observe(static breaker => GaugeValue(breaker.State)),
            "{state}",
            "The circuit's state: 0 closed, 0.5 half-open, 1 open or isolated.");
        meter.CreateObservableGauge(
            FailureRatio,
            () => Observe(static breaker => breaker.Metrics.FailureRatio),
            UnitRatio,
            "Failed calls divided by calls in the breaker's sliding window; 0 when the window is empty.");
        meter.CreateObservableGauge(
            SlowCallRatio,
            () => Observe(static breaker => breaker.Metrics.SlowCallRatio),
            UnitRatio,
            "Slow calls divided by calls in the breaker's sliding window; 0 when the window is empty.");
        meter.CreateObservableUpDownCounter(
            WindowCalls,
            () => Observe(static breaker => (long)breaker.Metrics.Calls),
            UnitCalls,
            "Recorded calls in the breaker's sliding window.");
        _transitions = meter.CreateCounter<long>(
            Transitions,
            UnitTransitions,
            "Circuit state transitions, by previous state, new state and reason.");
        _rejectedCalls = meter.CreateCounter<long>(
            RejectedCalls,
            UnitCalls,
            "Calls the breaker rejected without running them, by the circuit's state (open, half_open or isolated).");
        _openDuration = meter.CreateHistogram(
            OpenDuration,
            UnitSeconds,
            "Time from leaving closed to closing again (open, half-open and isolated), per episode, by the reason it began.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = OpenDurationBuckets });

        registry.BreakerAdded += OnBreakerAdded;
        registry.StateChanged += OnStateChanged;
        registry.CallRejected += OnCallRejected;
    }

    private static TagList Tags(string? pipelineName, string? pipelineInstanceName, string? strategyName)
    {
        // As Polly tags its events: a name it does not have is left out, not sent empty.
        var tags = default(TagList);
        if (pipelineName is not null)
        {
            tags.Add(PipelineNameTag, pipelineName);
        }

        if (!string.IsNullOrEmpty(pipelineInstanceName))
        {
            tags.Add(PipelineInstanceTag, pipelineInstanceName);
        }

        if (strategyName is not null)
        {
            tags.Add(StrategyNameTag, strategyName);
        }

        return tags;
    }

    private List<Measurement<T>> Observe<T>(Func<SlowCallCircuitBreakerSnapshot, T> value)
        where T : struct
    {
        var breakers = _registry.GetBreakers();
        var measurements = new List<Measurement<T>>(breakers.Count);
        foreach (var breaker in breakers)
        {
            var tags = Tags(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName);
            if (breaker.BreakerKey is { } key)
            {
                var tagValue = _breakerKeys.Of(CircuitBreakerKey.Of(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName), key);
                if (tagValue == OtherBreakerKey)
                {
                    continue;
                }

                tags.Add(BreakerKeyTag, tagValue);
            }

            measurements.Add(new(value(breaker), tags));
        }

        return measurements;
    }

    private void OnBreakerAdded(RegisteredCircuitBreaker breaker)
    {
        // A breaker built isolated (its ManualControl was) starts its episode without a transition.
        if (breaker.TryGetController(out var controller) && controller.CircuitState != CircuitState.Closed)
        {
            _episodes.AddOrUpdate(breaker, new OpenEpisode(_timeProvider.GetTimestamp(), CircuitTransitionReason.Manual));
        }
    }

    private void OnStateChanged(RegisteredCircuitBreaker breaker, CircuitStateChangedArguments args)
    {
        var tags = Tags(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName);
        if (breaker.BreakerKey is { } key)
        {
            tags.Add(BreakerKeyTag, _breakerKeys.Of(CircuitBreakerKey.Of(breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName), key));
        }

        var transitionTags = tags;
        transitionTags.Add(PreviousStateTag, TagValue(args.PreviousState));
        transitionTags.Add(StateTag, TagValue(args.NewState));
        transitionTags.Add(ReasonTag, TagValue(args.Reason));
        _transitions.Add(1, transitionTags);

        // A breaker's transitions are raised one at a time, in order, so its episode is never touched concurrently.
        if (args.PreviousState == CircuitState.Closed)
        {
            _episodes.AddOrUpdate(breaker, new OpenEpisode(_timeProvider.GetTimestamp(), args.Reason));
        }
        else if (args.NewState == CircuitState.Closed && _episodes.TryGetValue(breaker, out var episode))
        {
            _episodes.Remove(breaker);
            tags.Add(ReasonTag, TagValue(episode.Reason));
            _openDuration.Record(_timeProvider.GetElapsedTime(episode.StartTimestamp).TotalSeconds, tags);
        }
    }

    private void OnCallRejected(ResilienceTelemetrySource source, OnCircuitRejectedArguments rejected)
    {
        var tags = Tags(source.PipelineName, source.PipelineInstanceName, source.StrategyName ?? rejected.BreakerName);
        tags.Add(StateTag, TagValue(rejected.State));
        if (rejected.BreakerKey is { } key)
        {
            tags.Add(BreakerKeyTag, _breakerKeys.Of(CircuitBreakerKey.Of(source.PipelineName, source.PipelineInstanceName, source.StrategyName ?? rejected.BreakerName), key));
        }

        _rejectedCalls.Add(1, tags);
    }
}
