using System.Collections;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Tests.Utils;

/// <summary>Replays traces written inline, for tests of the simulation itself.</summary>
public static class Traces
{
    internal static CandidateOptions Options(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return CandidateOptions.Create("test options", [.. document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetRawText()))]);
    }

    internal static SortedTrace Load(string csv, int runLength = SortedTrace.DefaultRunLength)
    {
        using var reader = new TraceCsvReader(new StringReader(csv), "test trace");
        return SortedTrace.Load(reader, runLength);
    }

    /// <summary>Replays <paramref name="csv"/>; returns the result and each row's decision, in row order.</summary>
    internal static (ReplayResult Result, bool[] Admitted) Replay(string csv, string optionsJson, int runLength = SortedTrace.DefaultRunLength)
    {
        using var trace = Load(csv, runLength);
        var decisions = new BitArray((int)trace.Count);
        var result = TraceReplayer.Run(trace, Options(optionsJson), decisions);
        return (result, [.. decisions.Cast<bool>()]);
    }

    public static string Csv(params string[] rows) => "start_ms,duration_ms,outcome\n" + string.Join("\n", rows) + "\n";
}
