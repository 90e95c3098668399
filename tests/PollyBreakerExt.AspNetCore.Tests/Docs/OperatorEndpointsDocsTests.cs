using System.Text.RegularExpressions;

namespace PollyBreakerExt.AspNetCore.Tests.Docs;

/// <summary>The C# shown in README.md and docs/operator-endpoints.md is the code <see cref="OperatorEndpointsSnippets"/> runs.</summary>
public sealed partial class OperatorEndpointsDocsTests
{
    [Theory]
    [InlineData("README.md", "operator-endpoints-readme")]
    [InlineData("docs/operator-endpoints.md", "operator-endpoints")]
    [InlineData("docs/operator-endpoints.md", "operator-endpoints-authorization")]
    [InlineData("docs/operator-endpoints.md", "operator-endpoints-loopback")]
    public void A_documented_block_is_the_snippet_of_the_same_name(string document, string name)
    {
        var root = RepositoryRoot();
        var markdown = File.ReadAllText(Path.Combine(root, document)).ReplaceLineEndings("\n");
        var code = File.ReadAllText(Path.Combine(root, "tests", "PollyBreakerExt.AspNetCore.Tests", "Docs", "OperatorEndpointsSnippets.cs")).ReplaceLineEndings("\n");

        var block = Regex.Match(markdown, $"<!-- snippet: {Regex.Escape(name)} -->\n```csharp\n(.*?)```", RegexOptions.Singleline);
        var region = Regex.Match(code, $"// snippet: {Regex.Escape(name)}\n(.*?)\n[ ]*// end snippet", RegexOptions.Singleline);

        Assert.True(block.Success, $"{document} has no csharp block marked '{name}'");
        Assert.True(region.Success, $"no region '{name}' in OperatorEndpointsSnippets.cs");
        // The block's using lines are for a reader pasting it into a new app (PastedAppsTests builds that); the region has them on top of its file.
        var shown = Regex.Replace(block.Groups[1].Value, @"\A(using [\w.]+;\n)+\n?", string.Empty);
        Assert.Equal(Dedent(region.Groups[1].Value), shown.TrimEnd('\n'));
    }

    private static string Dedent(string text)
    {
        var lines = text.Split('\n');
        var indent = lines.Where(line => line.Trim().Length > 0).Min(line => line.Length - line.TrimStart().Length);
        return string.Join('\n', lines.Select(line => line.Length >= indent ? line[indent..] : line.TrimStart()));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PollyBreakerExt.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PollyBreakerExt.sln above {AppContext.BaseDirectory}.");
    }
}
