namespace PollyBreakerExt.Docs.Tests;

/// <summary>The snippet checker itself, on made-up files: what it finds, and what it says when they differ.</summary>
public class SnippetsTests
{
    // The markers are spelled out at run time, so that this file does not itself define a snippet of the repository.
    private static readonly string Code = """
        internal static class Examples
        {
            public static void Build()
            {
                // @snippet quick-start
                var x = 1;
                if (x > 0)
                {
                    Console.WriteLine(x);
                }
                // @end
            }
        }
        """.Replace("@snippet", "snippet:", StringComparison.Ordinal).Replace("@end", "end snippet", StringComparison.Ordinal);

    [Fact]
    public void A_block_equals_its_region_once_common_indentation_is_removed()
    {
        var block = Snippets.ReadBlocks("README.md", "text\n<!-- snippet: quick-start -->\n```csharp\nvar x = 1;\nif (x > 0)\n{\n    Console.WriteLine(x);\n}\n```\n").Single();
        var region = Snippets.ReadRegions("tests/Examples.cs", Code).Single();

        Assert.Equal("quick-start", block.Name);
        Assert.Equal(3, block.Line);
        Assert.Equal(5, region.Line);
        Assert.Null(Snippets.Compare(block, region));
    }

    [Fact]
    public void A_difference_is_reported_with_the_file_the_block_and_both_lines()
    {
        var block = Snippets.ReadBlocks("docs/guide.md", "<!-- snippet: quick-start -->\n```csharp\nvar x = 2;\n```").Single();
        var region = Snippets.ReadRegions("tests/Examples.cs", Code).Single();

        var message = Snippets.Compare(block, region);

        Assert.NotNull(message);
        Assert.Contains("docs/guide.md:2", message, StringComparison.Ordinal);
        Assert.Contains("'quick-start'", message, StringComparison.Ordinal);
        Assert.Contains("tests/Examples.cs:5", message, StringComparison.Ordinal);
        Assert.Contains("docs: var x = 2;", message, StringComparison.Ordinal);
        Assert.Contains("code: var x = 1;", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_shorter_than_its_region_is_a_difference()
    {
        var block = Snippets.ReadBlocks("README.md", "<!-- snippet: quick-start -->\n```csharp\nvar x = 1;\n```").Single();
        var region = Snippets.ReadRegions("tests/Examples.cs", Code).Single();

        Assert.Contains("docs: (the block ends here)", Snippets.Compare(block, region), StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_without_a_marker_right_above_it_has_no_name()
    {
        var blocks = Snippets.ReadBlocks("README.md", "<!-- snippet: a -->\n\n```csharp\nx();\n```\n```bash\nls\n```\n");

        Assert.Null(Assert.Single(blocks).Name);
    }

    [Fact]
    public void Blocks_in_other_languages_are_not_checked()
    {
        Assert.Empty(Snippets.ReadBlocks("README.md", "```json\n{}\n```\n```bash\ndotnet test\n```\n"));
    }

    [Fact]
    public void A_region_without_its_end_is_an_error_naming_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Snippets.ReadRegions("tests/Broken.cs", "// snippet: open\nvar x = 1;\n"));

        Assert.Contains("tests/Broken.cs:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'open'", error.Message, StringComparison.Ordinal);
    }
}
