using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// Logs every transition of every breaker of the registry once, as a structured log whose EventId names the new state:
/// 1 <c>CircuitOpened</c>, 2 <c>CircuitHalfOpened</c>, 3 <c>CircuitClosed</c>, 4 <c>CircuitIsolated</c>.
/// </summary>
/// <remarks>
/// Open is a warning (calls are failing or slow, and are now rejected), and so is isolated (an operator stopped all
/// calls). Half-open and closed are information: the breaker is probing, or recovered. The ratios are the window's when
/// the transition is logged: those that tripped the circuit on open, and 0 on close, which clears the window. The
/// breaker is named as Polly's own logs name a source, <c>pipeline/instance/strategy</c>, with <c>(null)</c> for a
/// pipeline without instance, and a key's breaker of a keyed strategy adds its key (<c>BreakerKey</c>) after those names,
/// quoted on its own since keys such as authorities hold <c>/</c>. Each transition keeps its own EventId, keyed or not,
/// because operators filter and alert on event ids.
/// </remarks>
internal sealed partial class SlowCallCircuitBreakerTransitionLog
{
    private const string Template =
        "Circuit breaker '{PipelineName}/{PipelineInstance}/{StrategyName}' moved from {PreviousState} to {NewState} " +
        "because of {Reason}; failure ratio {FailureRatio:0.###}, slow-call ratio {SlowCallRatio:0.###}, break duration {BreakDuration}";

    private readonly ILogger _logger;

    public SlowCallCircuitBreakerTransitionLog(SlowCallCircuitBreakerRegistry registry, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger(SlowCallCircuitBreakerTelemetryNames.LoggerCategory);
        registry.StateChanged += OnStateChanged;
    }

    // Its keyed twin (SlowCallCircuitBreakerKeyedTransitionLog) reuses these ids and names on purpose, which the generator warns of.
#pragma warning disable LOGGEN027
    [LoggerMessage(EventId = 1, EventName = "CircuitOpened", Message = Template)]
    private static partial void LogOpened(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 2, EventName = "CircuitHalfOpened", Message = Template)]
    private static partial void LogHalfOpened(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 3, EventName = "CircuitClosed", Message = Template)]
    private static partial void LogClosed(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 4, EventName = "CircuitIsolated", Message = Template)]
    private static partial void LogIsolated(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

#pragma warning restore LOGGEN027

    private void OnStateChanged(RegisteredCircuitBreaker breaker, CircuitStateChangedArguments args)
    {
        var level = args.NewState is CircuitState.Open or CircuitState.Isolated ? LogLevel.Warning : LogLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return; // reading the window takes the breaker's lock: only for a log that is written
        }

        var metrics = breaker.TryGetController(out var controller) ? controller.Metrics : default;
        if (breaker.BreakerKey is { } breakerKey)
        {
            var keyedLog = args.NewState switch
            {
                CircuitState.Open => SlowCallCircuitBreakerKeyedTransitionLog.LogOpened,
                CircuitState.HalfOpen => SlowCallCircuitBreakerKeyedTransitionLog.LogHalfOpened,
                CircuitState.Isolated => SlowCallCircuitBreakerKeyedTransitionLog.LogIsolated,
                _ => (Action<ILogger, LogLevel, string?, string?, string, string, CircuitState, CircuitState, CircuitTransitionReason, double, double, TimeSpan?>)SlowCallCircuitBreakerKeyedTransitionLog.LogClosed,
            };
            keyedLog(_logger, level, breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName, breakerKey, args.PreviousState,
                args.NewState, args.Reason, metrics.FailureRatio, metrics.SlowCallRatio, args.BreakDuration);
            return;
        }

        var log = args.NewState switch
        {
            CircuitState.Open => LogOpened,
            CircuitState.HalfOpen => LogHalfOpened,
            CircuitState.Isolated => LogIsolated,
            _ => (Action<ILogger, LogLevel, string?, string?, string, CircuitState, CircuitState, CircuitTransitionReason, double, double, TimeSpan?>)LogClosed,
        };
        log(_logger, level, breaker.PipelineName, breaker.PipelineInstanceName, breaker.StrategyName, args.PreviousState, args.NewState,
            args.Reason, metrics.FailureRatio, metrics.SlowCallRatio, args.BreakDuration);
    }
}
