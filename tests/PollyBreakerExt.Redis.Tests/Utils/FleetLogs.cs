using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PollyBreakerExt.Redis.Tests.Utils;

/// <summary>
/// The recent log lines of every fleet the tests build (Debug and up), so that a test timing out on a real Redis says what
/// the fleets did: a message ignored, a work item failed, a resync. Tests run in parallel, so lines of other tests mix in;
/// each line names its replica.
/// </summary>
public static class FleetLogs
{
    private const int Kept = 2000;
    private const int Shown = 400;
    private static readonly ConcurrentQueue<string> Lines = new();

    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new Provider()));

    /// <summary>The last lines, oldest first, for a failure's message.</summary>
    public static string Recent() => string.Join(Environment.NewLine, Lines.TakeLast(Shown));

    /// <summary>Whether a line kept says <paramref name="text"/>.</summary>
    public static bool Contains(string text) => Lines.Any(line => line.Contains(text, StringComparison.Ordinal));

    private static void Add(string line)
    {
        Lines.Enqueue(line);
        while (Lines.Count > Kept && Lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger();

        public void Dispose()
        {
        }
    }

    private sealed class Logger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Add(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}"));
    }
}
