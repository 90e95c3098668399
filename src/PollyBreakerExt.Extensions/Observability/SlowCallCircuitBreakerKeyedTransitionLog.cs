using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace PollyBreakerExt;

/// <summary>
/// The four transition events of <see cref="SlowCallCircuitBreakerTransitionLog"/> for a key's breaker of a keyed strategy:
/// the same EventIds and names, and the breaker's key after its names.
/// </summary>
/// <remarks>A type of its own because the logging generator takes each EventId once per type.</remarks>
// These reuse the unkeyed events' ids and names on purpose, which the generator warns of.
#pragma warning disable LOGGEN027
internal static partial class SlowCallCircuitBreakerKeyedTransitionLog
{
    private const string Template =
        "Circuit breaker '{PipelineName}/{PipelineInstance}/{StrategyName}' key '{BreakerKey}' moved from {PreviousState} to {NewState} " +
        "because of {Reason}; failure ratio {FailureRatio:0.###}, slow-call ratio {SlowCallRatio:0.###}, break duration {BreakDuration}";

    [LoggerMessage(EventId = 1, EventName = "CircuitOpened", Message = Template)]
    public static partial void LogOpened(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, string breakerKey, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 2, EventName = "CircuitHalfOpened", Message = Template)]
    public static partial void LogHalfOpened(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, string breakerKey, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 3, EventName = "CircuitClosed", Message = Template)]
    public static partial void LogClosed(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, string breakerKey, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);

    [LoggerMessage(EventId = 4, EventName = "CircuitIsolated", Message = Template)]
    public static partial void LogIsolated(ILogger logger, LogLevel level, string? pipelineName, string? pipelineInstance, string strategyName, string breakerKey, CircuitState previousState, CircuitState newState, CircuitTransitionReason reason, double failureRatio, double slowCallRatio, TimeSpan? breakDuration);
}
#pragma warning restore LOGGEN027
