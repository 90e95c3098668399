using System.Text.Json;
using System.Text.RegularExpressions;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>The shipped Grafana dashboard, read as Grafana reads it: its panels' queries and its template variables.</summary>
internal sealed partial class GrafanaDashboard
{
    private GrafanaDashboard(JsonElement root)
    {
        Root = root;
        Panels = [.. AllPanels(root.GetProperty("panels")).Where(panel => panel.GetProperty("type").GetString() != "row")];
        Variables = [.. root.GetProperty("templating").GetProperty("list").EnumerateArray()];
    }

    public JsonElement Root { get; }

    public IReadOnlyList<JsonElement> Panels { get; }

    public IReadOnlyList<JsonElement> Variables { get; }

    /// <summary>Every panel query: the panel's title, the target's refId and its PromQL as written in the dashboard.</summary>
    public IEnumerable<(string Panel, string RefId, string Expr)> Queries
        => Panels.SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => (
            panel.GetProperty("title").GetString()!,
            target.GetProperty("refId").GetString()!,
            target.GetProperty("expr").GetString()!)));

    /// <summary>The query variables' <c>label_values(selector, label)</c>, by variable name.</summary>
    public IEnumerable<(string Name, string Selector, string Label)> LabelValuesVariables
        => Variables
            .Where(variable => variable.GetProperty("type").GetString() == "query")
            .Select(variable =>
            {
                var query = variable.GetProperty("query").GetProperty("query").GetString()!;
                var match = LabelValuesPattern().Match(query);
                Assert.True(match.Success, $"variable {variable.GetProperty("name")}: '{query}' is not label_values(selector, label)");
                return (variable.GetProperty("name").GetString()!, match.Groups["selector"].Value.Trim(), match.Groups["label"].Value.Trim());
            });

    public static GrafanaDashboard Load() => new(JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Dashboard)).RootElement.Clone());

    /// <summary>
    /// The query as Grafana sends it: template variables replaced by <paramref name="variables"/>, and Grafana's built-in
    /// interval and range variables by the given values.
    /// </summary>
    public static string Substitute(string expr, IReadOnlyDictionary<string, string> variables, TimeSpan rateInterval, TimeSpan range)
    {
        var builtIns = new Dictionary<string, string>
        {
            ["__rate_interval"] = $"{(int)rateInterval.TotalSeconds}s",
            ["__interval"] = "15s",
            ["__range_s"] = $"{(int)range.TotalSeconds}",
            ["__range_ms"] = $"{(long)range.TotalMilliseconds}",
            ["__range"] = $"{(int)range.TotalSeconds}s",
        };
        return VariablePattern().Replace(expr, match =>
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value : match.Groups["plain"].Value;
            if (builtIns.TryGetValue(name, out var builtIn) || variables.TryGetValue(name, out builtIn))
            {
                return builtIn;
            }

            Assert.Fail($"'{expr}' uses ${name}, which neither the dashboard nor Grafana defines");
            return match.Value;
        });
    }

    private static IEnumerable<JsonElement> AllPanels(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in AllPanels(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    [GeneratedRegex(@"\$(?:\{(?<braced>\w+)\}|(?<plain>\w+))")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValuesPattern();
}
