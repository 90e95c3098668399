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

    /// <summary>Gets or sets the names of the events on which the listener throws after recording them, as a faulty user listener would.</summary>
    public IReadOnlySet<string> ThrowsOn { get; set; } = new HashSet<string>();

    /// <summary>Gets or sets what the listener does after recording an event (outside its own lock), as a user listener might.</summary>
    public Action<string>? OnWrite { get; set; }

    public IReadOnlyList<RecordedEvent> Named(string eventName) => Events.Where(e => e.Name == eventName).ToList();

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        lock (_events)
        {
            _events.Add(new(args.Event.EventName, args.Event.Severity, args.Source, args.Arguments, args.Outcome?.Exception));
        }

        OnWrite?.Invoke(args.Event.EventName);
        if (ThrowsOn.Contains(args.Event.EventName))
        {
            throw new InvalidOperationException($"listener fails on {args.Event.EventName}");
        }
    }
}

internal sealed record RecordedEvent(string Name, ResilienceEventSeverity Severity, ResilienceTelemetrySource Source, object? Arguments, Exception? Exception);
