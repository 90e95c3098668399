using System.Text.Json;

namespace PollyBreakerExt.Tuner.Options;

/// <summary>Reads <c>--options</c> (one candidate) and <c>--grid</c> (arrays of values, every combination a candidate).</summary>
internal static class OptionsFiles
{
    /// <summary>Above this many combinations a grid is refused: it would take hours, and is most likely a mistake.</summary>
    public const int MaxCandidates = 100_000;

    public static CandidateOptions ReadOptions(string path)
    {
        using var document = Parse(path);
        var properties = new List<KeyValuePair<string, string>>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
            {
                throw new TunerInputException($"{path}: property '{property.Name}' must be one value (arrays of values are for sweep --grid)");
            }

            properties.Add(new(property.Name, property.Value.GetRawText()));
        }

        return CandidateOptions.Create(path, properties);
    }

    public static IReadOnlyList<CandidateOptions> ReadGrid(string path)
    {
        using var document = Parse(path);
        var axes = new List<(string Name, string[] Values)>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var values = property.Value.ValueKind switch
            {
                JsonValueKind.Array => property.Value.EnumerateArray().Select(value => value.ValueKind is JsonValueKind.Array or JsonValueKind.Object
                    ? throw new TunerInputException($"{path}: property '{property.Name}' must be a value or an array of values, not nested arrays or objects")
                    : value.GetRawText()).ToArray(),
                JsonValueKind.Object => throw new TunerInputException($"{path}: property '{property.Name}' must be a value or an array of values, not an object"),
                _ => [property.Value.GetRawText()],
            };
            if (values.Length == 0)
            {
                throw new TunerInputException($"{path}: property '{property.Name}' has an empty array; give at least one value");
            }

            axes.Add((property.Name, values));
        }

        var total = axes.Aggregate(1L, (product, axis) => Math.Min(product * axis.Values.Length, MaxCandidates + 1L));
        if (total > MaxCandidates)
        {
            throw new TunerInputException($"{path}: the grid has more than {MaxCandidates} combinations; narrow it");
        }

        var candidates = new List<CandidateOptions>((int)total);
        var choice = new int[axes.Count];
        for (var index = 0; index < total; index++)
        {
            var remainder = index;
            for (var axis = axes.Count - 1; axis >= 0; axis--)
            {
                choice[axis] = remainder % axes[axis].Values.Length;
                remainder /= axes[axis].Values.Length;
            }

            var properties = axes.Select((axis, i) => new KeyValuePair<string, string>(axis.Name, axis.Values[choice[i]])).ToList();
            var source = $"{path}, combination {index + 1} {{{string.Join(", ", properties.Select(p => $"{p.Key}: {p.Value}"))}}}";
            candidates.Add(CandidateOptions.Create(source, properties));
        }

        return candidates;
    }

    private static JsonDocument Parse(string path)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException bad)
        {
            throw new TunerInputException($"{path}: not valid JSON (line {bad.LineNumber + 1}): {bad.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new TunerInputException($"{path}: cannot read: {exception.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new TunerInputException($"{path}: must be a JSON object of option names and values, such as {{ \"FailureThreshold\": 5 }}");
        }

        return document;
    }
}
