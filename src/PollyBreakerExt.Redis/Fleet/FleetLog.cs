using Microsoft.Extensions.Logging;

namespace PollyBreakerExt;

/// <summary>The fleet's log messages.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 101, EventName = "FleetMessageIgnored", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} ignored a message ({Problem}).")]
    public static partial void MessageIgnored(ILogger logger, string replicaId, string problem);

    [LoggerMessage(EventId = 102, EventName = "FleetStoredStateIgnored", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} ignored the stored {What} of '{Key}' ({Problem}).")]
    public static partial void StoredStateIgnored(ILogger logger, string replicaId, string what, string key, string problem);

    [LoggerMessage(EventId = 109, EventName = "FleetStoredStateOutdated", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} ignored the stored {What} of '{Key}': its order {Order} is not the breaker's version {Version} (an older state, copied back).")]
    public static partial void StoredStateOutdated(ILogger logger, string replicaId, string what, string key, long order, long version);

    [LoggerMessage(EventId = 110, EventName = "FleetKeyTooLong", Level = LogLevel.Warning, Message = "Fleet {ReplicaId} cannot share a breaker whose key is {Length} characters long: its messages would exceed {MaxLength} bytes, which every replica ignores. The breaker works alone; give it a shorter name.")]
    public static partial void KeyTooLong(ILogger logger, string replicaId, int length, int maxLength);

    [LoggerMessage(EventId = 103, EventName = "FleetDisconnected", Level = LogLevel.Warning, Message = "Fleet {ReplicaId} lost Redis ({FailureType}); its breakers work alone until it reconnects.")]
    public static partial void Disconnected(ILogger logger, string replicaId, string failureType);

    [LoggerMessage(EventId = 104, EventName = "FleetSynchronized", Level = LogLevel.Information, Message = "Fleet {ReplicaId} is connected and synchronized ({Keys} breaker key(s)).")]
    public static partial void Synchronized(ILogger logger, string replicaId, int keys);

    [LoggerMessage(EventId = 105, EventName = "FleetCallbackFailed", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} could not move a breaker.")]
    public static partial void MoveFailed(ILogger logger, Exception exception, string replicaId);

    [LoggerMessage(EventId = 106, EventName = "FleetWorkDropped", Level = LogLevel.Debug, Message = "Fleet work dropped: the queue is full or closed.")]
    public static partial void WorkDropped(ILogger logger);

    [LoggerMessage(EventId = 107, EventName = "FleetWorkFailed", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} work failed; the breakers keep their local state, and the fleet resyncs at the next heartbeat Redis answers.")]
    public static partial void WorkFailed(ILogger logger, Exception exception, string replicaId);

    [LoggerMessage(EventId = 112, EventName = "FleetResyncFailed", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} could not resync; its heartbeat tries again in {RetrySeconds} s, or sooner once the connection is restored or Redis' topology changes.")]
    public static partial void ResyncFailed(ILogger logger, string replicaId, long retrySeconds);

    [LoggerMessage(EventId = 113, EventName = "FleetProbingAlone", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} lets the breaker of '{Key}' probe alone: {Reason}.")]
    public static partial void ProbingAlone(ILogger logger, string replicaId, string key, string reason);

    [LoggerMessage(EventId = 108, EventName = "FleetTripExpired", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} did not report the trip of '{Key}': its break was over before Redis could be told.")]
    public static partial void TripExpired(ILogger logger, string replicaId, string key);

    [LoggerMessage(EventId = 111, EventName = "FleetTripHeardLate", Level = LogLevel.Debug, Message = "Fleet {ReplicaId} heard the trip of '{Key}' {LateMilliseconds} ms after its break was over, by Redis' clock: nothing to open.")]
    public static partial void TripHeardLate(ILogger logger, string replicaId, string key, long lateMilliseconds);
}
