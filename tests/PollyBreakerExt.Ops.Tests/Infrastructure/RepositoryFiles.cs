namespace PollyBreakerExt.Ops.Tests.Infrastructure;

/// <summary>The shipped ops files, found from the test's output folder up to the repository root.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PollyBreakerExt.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PollyBreakerExt.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootPath.Value;

    public static string Rules => Path.Combine(Root, "deploy", "prometheus", "pollybreakerext-rules.yml");

    public static string RuleTestsDirectory => Path.Combine(Root, "deploy", "prometheus", "tests");

    public static string Dashboard => Path.Combine(Root, "deploy", "grafana", "pollybreakerext.json");

    public static IReadOnlyList<string> RuleTests => [.. Directory.GetFiles(RuleTestsDirectory, "*.test.yml").Order(StringComparer.Ordinal)];
}
