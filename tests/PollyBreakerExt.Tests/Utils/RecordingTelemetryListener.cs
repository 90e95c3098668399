using Polly.Telemetry;

namespace PollyBreakerExt.Tests.Utils;

/// <summary>
/// Records every telemetry event a pipeline reports.
/// </summary>
internal sealed class RecordingTelemetryListener : TelemetryListener
{
    private readonly List<RecordedEvent> _events = [];

    public IReadOnlyList<RecordedEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<RecordedEvent> Named(string eventName) => Events.Where(e => e.Name == eventName).ToList();

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        lock (_events)
        {
            _events.Add(new(args.Event.EventName, args.Event.Severity, args.Source, args.Arguments, args.Outcome?.Exception));
        }
    }
}

internal sealed record RecordedEvent(string Name, ResilienceEventSeverity Severity, ResilienceTelemetrySource Source, object? Arguments, Exception? Exception);
