using System.Collections;
using System.Globalization;
using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Output;

/// <summary>
/// <c>--calls</c>: one row per trace row, in the trace's order, <c>start_ms,admitted</c>. The trace is read again in
/// row order; the decisions are one bit per row.
/// </summary>
internal static class DecisionsCsv
{
    public static void Write(string tracePath, BitArray admitted, string path)
    {
        using var reader = TraceCsvReader.Open(tracePath);
        using var output = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
        output.NewLine = "\n";
        output.WriteLine("start_ms,admitted");
        while (reader.TryRead(out var call))
        {
            output.Write(call.StartMs.ToString(CultureInfo.InvariantCulture));
            output.WriteLine(admitted[(int)call.Row] ? ",true" : ",false");
        }
    }
}
