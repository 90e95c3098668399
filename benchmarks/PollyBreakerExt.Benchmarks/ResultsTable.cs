using System.Globalization;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// Writes a measured table to benchmarks/results/, the one source of the figures README.md and docs/ cite (the docs
/// tests fail when a page cites a figure that no such table holds).
/// </summary>
internal static class ResultsTable
{
    public static void Write(string path, string caption, string header, IReadOnlyList<string> rows)
    {
        var separator = "|" + string.Concat(Enumerable.Repeat(" --- |", header.Count(c => c == '|') - 1));
        var machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
        var lines = new List<string>
        {
            "<!-- Written by the benchmarks project (benchmarks/PollyBreakerExt.Benchmarks); do not edit by hand. -->",
            string.Empty,
            $"{caption} Measured {DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} on {machine}.",
            string.Empty,
            header,
            separator,
        };
        lines.AddRange(rows);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllLines(path, lines);
        Console.WriteLine($"Wrote {path}.");
    }
}
