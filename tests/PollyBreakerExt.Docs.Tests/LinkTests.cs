using System.Text.RegularExpressions;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>Every relative link and image in README.md and docs/ resolves to a file or folder of the repository.</summary>
public partial class LinkTests
{
    [Fact]
    public void Every_relative_link_and_image_resolves()
    {
        var broken = Repository.DocumentationFiles()
            .SelectMany(file => RelativeTargets(File.ReadAllText(file)).Select(target => (File: file, Target: target)))
            .Where(link => !Resolves(link.File, link.Target))
            .Select(link => $"{Repository.Relative(link.File)} → {link.Target}")
            .ToList();

        Assert.True(broken.Count == 0, "These links do not resolve from the page that holds them:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void A_link_that_names_a_missing_file_is_found()
    {
        var targets = RelativeTargets("See [the doc](missing-page.md#part), ![chart](images/none.png) and [site](https://example.org).").ToList();

        Assert.Equal(["missing-page.md", "images/none.png"], targets);
        Assert.False(Resolves(Path.Combine(Repository.Root, "README.md"), "missing-page.md"));
        Assert.True(Resolves(Path.Combine(Repository.Root, "README.md"), "docs/design.md"));
    }

    /// <summary>Link and image targets outside code spans and fences that are neither absolute URLs nor in-page anchors, without their anchor.</summary>
    internal static IEnumerable<string> RelativeTargets(string markdown)
    {
        var prose = FencedBlock().Replace(markdown, string.Empty);
        prose = CodeSpan().Replace(prose, string.Empty);
        foreach (Match match in InlineLink().Matches(prose))
        {
            var target = match.Groups["target"].Value;
            if (target.StartsWith('#') || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var anchor = target.IndexOf('#', StringComparison.Ordinal);
            yield return Uri.UnescapeDataString(anchor < 0 ? target : target[..anchor]);
        }
    }

    private static bool Resolves(string page, string target)
    {
        var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
        return File.Exists(path) || Directory.Exists(path);
    }

    [GeneratedRegex(@"^(```|~~~).*?^\1", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();
}
