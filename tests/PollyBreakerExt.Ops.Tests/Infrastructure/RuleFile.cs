using YamlDotNet.RepresentationModel;

namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>The shipped rule file and its promtool unit tests, read as YAML.</summary>
internal static class RuleFile
{
    public sealed record Rule(string Group, string? Alert, string? Record, string Expr, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    public static IReadOnlyList<Rule> Load()
    {
        var rules = new List<Rule>();
        foreach (var group in Sequence(Read(RepositoryFiles.Rules), "groups"))
        {
            var name = Scalar(group, "name")!;
            foreach (var rule in Sequence(group, "rules"))
            {
                rules.Add(new Rule(name, Scalar(rule, "alert"), Scalar(rule, "record"), Scalar(rule, "expr")!, Map(rule, "labels"), Map(rule, "annotations")));
            }
        }

        return rules;
    }

    /// <summary>Every <c>alert_rule_test</c> case of every unit-test file: the alert it checks and how many alerts it expects firing.</summary>
    public static IReadOnlyList<(string File, string Alert, string EvalTime, int ExpectedFiring)> AlertTestCases()
        => [.. RepositoryFiles.RuleTests.SelectMany(file =>
            Sequence(Read(file), "tests").SelectMany(test => Sequence(test, "alert_rule_test")).Select(check => (
                Path.GetFileName(file),
                Scalar(check, "alertname")!,
                Scalar(check, "eval_time")!,
                Sequence(check, "exp_alerts").Count())))];

    private static YamlMappingNode Read(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string? Scalar(YamlNode node, string key)
        => ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlNode node, string key)
        => ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? (YamlSequenceNode)value : [];

    private static Dictionary<string, string> Map(YamlNode node, string key)
        => ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value!)
            : [];
}
