using System.Globalization;
using System.Text;

namespace PollyBreakerExt.Tests.Model;

/// <summary>How a call ends.</summary>
public enum CallKind
{
    /// <summary>Returns 42.</summary>
    Success,

    /// <summary>Throws <see cref="InvalidOperationException"/>: a failure for any predicate.</summary>
    Failure,

    /// <summary>The caller cancels it and it ends in <see cref="OperationCanceledException"/>: ignored.</summary>
    Cancelled,

    /// <summary>Returns -1: a failure for the custom predicate, a success for the default one.</summary>
    FailureResult,

    /// <summary>Returns -2: the custom predicate throws on it (a failure whose outcome is the predicate's exception).</summary>
    PredicateThrows,
}

/// <summary>What the break duration generator does.</summary>
public enum GeneratorKind
{
    None,

    /// <summary>BreakDuration × (half-open attempts + 1), plus one tick per failure in the window.</summary>
    Linear,

    /// <summary>Returns a negative duration: clamped to zero.</summary>
    Negative,

    /// <summary>Returns two days: clamped to one day.</summary>
    Huge,

    /// <summary>Throws: falls back to BreakDuration.</summary>
    Throws,
}

/// <summary>A breaker configuration, all durations in ticks (the fake clock's timestamp unit).</summary>
public sealed record ModelConfig(
    SlidingWindowType WindowType,
    int WindowSize,
    long SamplingTicks,
    int MinimumThroughput,
    int? FailureThreshold,
    double? FailureRatio,
    long? SlowTicks,
    double SlowCallRatio,
    long BreakTicks,
    GeneratorKind Generator,
    int SuccessThreshold,
    bool CustomPredicate,
    bool Generic,
    bool StartIsolated)
{
    public long BucketTicks => Math.Max(1, SamplingTicks / 10);

    public override string ToString()
    {
        var window = WindowType == SlidingWindowType.CountBased
            ? $"CountBased(size {WindowSize})"
            : $"TimeBased({Ticks.Format(SamplingTicks)}, buckets of {Ticks.Format(BucketTicks)})";
        return $"{window}, MinimumThroughput {MinimumThroughput}, FailureThreshold {FailureThreshold?.ToString(CultureInfo.InvariantCulture) ?? "off"}, "
            + $"FailureRatio {FailureRatio?.ToString(CultureInfo.InvariantCulture) ?? "off"}, SlowCall {(SlowTicks is { } slow ? Ticks.Format(slow) : "off")} "
            + $"at ratio {SlowCallRatio.ToString(CultureInfo.InvariantCulture)}, BreakDuration {Ticks.Format(BreakTicks)}, Generator {Generator}, "
            + $"SuccessThreshold {SuccessThreshold}, {(CustomPredicate ? "custom" : "default")} ShouldHandle, {(Generic ? "generic" : "non-generic")} pipeline"
            + (StartIsolated ? ", starts isolated" : string.Empty);
    }
}

/// <summary>One step of a program.</summary>
public abstract record Op;

/// <summary>A call that runs to completion at once, taking <paramref name="DurationTicks"/> on the fake clock.</summary>
public sealed record CallOp(CallKind Kind, long DurationTicks) : Op
{
    public override string ToString() => $"Call({Kind}, {Ticks.Format(DurationTicks)})";
}

/// <summary>A call that starts and stays in flight until a <see cref="FinishOp"/>.</summary>
public sealed record StartOp : Op
{
    public override string ToString() => "Start";
}

/// <summary>Completes the in-flight call at <c>Index % count</c> (oldest first); nothing when none is in flight.</summary>
public sealed record FinishOp(int Index, CallKind Kind) : Op
{
    public override string ToString() => $"Finish(#{Index}, {Kind})";
}

public sealed record AdvanceOp(long Ticks) : Op
{
    public override string ToString() => $"Advance({Model.Ticks.Format(Ticks)})";
}

public sealed record IsolateOp : Op
{
    public override string ToString() => "Isolate";
}

public sealed record CloseOp : Op
{
    public override string ToString() => "Close";
}

/// <summary>A configuration and the program run against it.</summary>
public sealed record Scenario(ModelConfig Config, Op[] Program)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Config).Append(Environment.NewLine).Append("  program (").Append(Program.Length).Append(" steps): ");
        text.AppendJoin("; ", Program.Select((op, i) => $"{i}: {op}"));
        return text.ToString();
    }
}

internal static class Ticks
{
    public static string Format(long ticks)
    {
        if (ticks != 0 && ticks % TimeSpan.TicksPerSecond == 0)
        {
            return $"{ticks / TimeSpan.TicksPerSecond}s";
        }

        return ticks % TimeSpan.TicksPerMillisecond == 0
            ? $"{ticks / TimeSpan.TicksPerMillisecond}ms"
            : $"{ticks}t";
    }
}
