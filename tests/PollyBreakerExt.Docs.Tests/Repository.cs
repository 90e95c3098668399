namespace PollyBreakerExt.Docs.Tests;

/// <summary>The repository's documentation and the C# files its test projects compile.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>README.md and every Markdown file under docs/.</summary>
    public static IEnumerable<string> DocumentationFiles()
    {
        yield return Path.Combine(Root, "README.md");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            yield return file;
        }
    }

    /// <summary>
    /// Every .cs file under tests/, and the demo's (compiled by its tests, and shown by docs/demo.md as it runs), build
    /// output excluded.
    /// </summary>
    public static IEnumerable<string> SnippetSourceFiles() =>
        new[] { "tests", "src/PollyBreakerExt.Demo" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !Relative(file).Split('/').Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    public static string Relative(string file) => Path.GetRelativePath(Root, file).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PollyBreakerExt.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PollyBreakerExt.sln above {AppContext.BaseDirectory}: the docs tests run from the repository's build output.");
    }
}
