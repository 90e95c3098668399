namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// Every C# block of README.md and docs/ is code a test project compiles: the block is marked <c>&lt;!-- snippet: NAME --&gt;</c>
/// and equals the region <c>// snippet: NAME</c> ... <c>// end snippet</c> of a .cs file under tests/ (or the demo's sources).
/// </summary>
public class SnippetSyncTests
{
    private static readonly IReadOnlyList<DocBlock> Blocks = Repository.DocumentationFiles()
        .SelectMany(file => Snippets.ReadBlocks(Repository.Relative(file), File.ReadAllText(file)))
        .ToList();

    private static readonly IReadOnlyList<CodeRegion> Regions = Repository.SnippetSourceFiles()
        .SelectMany(file => Snippets.ReadRegions(Repository.Relative(file), File.ReadAllText(file)))
        .ToList();

    [Fact]
    public void Every_csharp_block_is_marked_with_a_snippet_name()
    {
        var unmarked = Blocks.Where(block => block.Name is null).Select(block => $"{block.File}:{block.Line}").ToList();

        Assert.True(unmarked.Count == 0,
            $"These csharp blocks have no '<!-- snippet: NAME -->' line right above them: {string.Join(", ", unmarked)}");
    }

    [Fact]
    public void Every_marked_block_equals_its_compiled_snippet()
    {
        var regions = Regions.GroupBy(region => region.Name).ToDictionary(group => group.Key, group => group.First());
        var problems = new List<string>();
        foreach (var block in Blocks.Where(block => block.Name is not null))
        {
            if (!regions.TryGetValue(block.Name!, out var region))
            {
                problems.Add($"{block.File}:{block.Line}: the csharp block '{block.Name}' has no '// snippet: {block.Name}' region in any .cs file under tests/ (or the demo).");
                continue;
            }

            if (Snippets.Compare(block, region) is { } difference)
            {
                problems.Add(difference);
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, problems));
    }

    [Fact]
    public void No_snippet_name_is_defined_twice()
    {
        var twice = Regions.GroupBy(region => region.Name).Where(group => group.Count() > 1)
            .Select(group => $"'{group.Key}' in {string.Join(" and ", group.Select(region => $"{region.File}:{region.Line}"))}")
            .Concat(Blocks.Where(block => block.Name is not null).GroupBy(block => block.Name).Where(group => group.Count() > 1)
                .Select(group => $"'{group.Key}' shown by {string.Join(" and ", group.Select(block => $"{block.File}:{block.Line}"))}"))
            .ToList();

        Assert.True(twice.Count == 0, $"Snippet names must be unique across the repository: {string.Join("; ", twice)}");
    }

    [Fact]
    public void Every_snippet_region_is_shown_in_the_docs()
    {
        var shown = Blocks.Select(block => block.Name).ToHashSet();
        var unused = Regions.Where(region => !shown.Contains(region.Name)).Select(region => $"'{region.Name}' ({region.File}:{region.Line})").ToList();

        Assert.True(unused.Count == 0, $"These snippet regions are shown by no csharp block of README.md or docs/: {string.Join(", ", unused)}");
    }

    [Fact]
    public void The_docs_show_compiled_snippets()
    {
        // Guards the guard: if the files were not found, every other test here would pass on nothing.
        Assert.NotEmpty(Blocks);
        Assert.NotEmpty(Regions);
    }
}
