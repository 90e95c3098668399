using System.Text.RegularExpressions;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>A <c>```csharp</c> block of a Markdown file and the snippet name marked above it (null when unmarked).</summary>
internal sealed record DocBlock(string File, int Line, string? Name, IReadOnlyList<string> Lines);

/// <summary>The lines between <c>// snippet: NAME</c> and <c>// end snippet</c> in a C# file.</summary>
internal sealed record CodeRegion(string File, int Line, string Name, IReadOnlyList<string> Lines);

/// <summary>Reads docs blocks and code regions from text and compares them; every method is pure, so the checks are tested on strings.</summary>
internal static partial class Snippets
{
    public const string EndMarker = "// end snippet";

    public static IReadOnlyList<DocBlock> ReadBlocks(string file, string text)
    {
        var lines = SplitLines(text);
        var blocks = new List<DocBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimStart();
            if (!fence.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = fence[3..].Trim();
            var end = i + 1;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            if (language is "csharp" or "cs" or "c#")
            {
                var marker = i > 0 ? MarkerPattern().Match(lines[i - 1]) : Match.Empty;
                blocks.Add(new DocBlock(file, i + 1, marker.Success ? marker.Groups["name"].Value : null, lines[(i + 1)..Math.Min(end, lines.Length)]));
            }

            i = end;
        }

        return blocks;
    }

    public static IReadOnlyList<CodeRegion> ReadRegions(string file, string text)
    {
        var lines = SplitLines(text);
        var regions = new List<CodeRegion>();
        for (var i = 0; i < lines.Length; i++)
        {
            var start = RegionPattern().Match(lines[i]);
            if (!start.Success)
            {
                continue;
            }

            var end = i + 1;
            while (end < lines.Length && lines[end].Trim() != EndMarker)
            {
                if (RegionPattern().IsMatch(lines[end]))
                {
                    throw new InvalidOperationException($"{file}:{end + 1}: snippet '{start.Groups["name"].Value}' (line {i + 1}) has no '{EndMarker}' before the next snippet starts.");
                }

                end++;
            }

            if (end == lines.Length)
            {
                throw new InvalidOperationException($"{file}:{i + 1}: snippet '{start.Groups["name"].Value}' has no '{EndMarker}'.");
            }

            regions.Add(new CodeRegion(file, i + 1, start.Groups["name"].Value, lines[(i + 1)..end]));
            i = end;
        }

        return regions;
    }

    /// <summary>Lines without their common indentation and trailing blanks, blank lines at either end dropped.</summary>
    public static IReadOnlyList<string> Normalize(IReadOnlyList<string> lines)
    {
        var trimmed = lines.Select(line => line.TrimEnd()).ToList();
        while (trimmed.Count > 0 && trimmed[0].Length == 0)
        {
            trimmed.RemoveAt(0);
        }

        while (trimmed.Count > 0 && trimmed[^1].Length == 0)
        {
            trimmed.RemoveAt(trimmed.Count - 1);
        }

        var indent = trimmed.Where(line => line.Length > 0).Select(line => line.Length - line.TrimStart().Length).DefaultIfEmpty(0).Min();
        return trimmed.Select(line => line.Length == 0 ? line : line[indent..]).ToList();
    }

    /// <summary>Null when the block shows the region's code; otherwise a message naming the file, the block and the first difference.</summary>
    /// <remarks>
    /// The block may start with lines the region does not have: <c>using</c> directives and one-line <c>var</c> declarations
    /// that a reader pastes into a new app (the region gets them from its test). <c>PastedAppsTests</c> compiles those.
    /// </remarks>
    public static string? Compare(DocBlock block, CodeRegion region)
    {
        var shown = Normalize(block.Lines);
        var compiled = Normalize(region.Lines);
        var prefix = 0;
        while (prefix < shown.Count && shown.Count - prefix > compiled.Count && ReaderSetUpLine().IsMatch(shown[prefix]))
        {
            prefix++;
        }

        shown = Normalize(shown.Skip(prefix).ToList());
        var count = Math.Max(shown.Count, compiled.Count);
        for (var i = 0; i < count; i++)
        {
            var docLine = i < shown.Count ? shown[i] : null;
            var codeLine = i < compiled.Count ? compiled[i] : null;
            if (docLine == codeLine)
            {
                continue;
            }

            return $"{block.File}:{block.Line}: the csharp block '{block.Name}' differs from {region.File}:{region.Line} at line {i + 1} of the snippet:{Environment.NewLine}" +
                $"  docs: {docLine ?? "(the block ends here)"}{Environment.NewLine}" +
                $"  code: {codeLine ?? "(the region ends here)"}{Environment.NewLine}" +
                $"The compiled snippet is:{Environment.NewLine}{string.Join(Environment.NewLine, compiled)}";
        }

        return null;
    }

    private static string[] SplitLines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    [GeneratedRegex(@"^(using [\w.]+;|(await )?(using )?var \w+ = [^;]*;(\s*//.*)?|)$")]
    private static partial Regex ReaderSetUpLine();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<name>[A-Za-z0-9_.-]+)\s*-->\s*$")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"^\s*//\s*snippet:\s*(?<name>[A-Za-z0-9_.-]+)\s*$")]
    private static partial Regex RegionPattern();
}
