using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// Writes every page's pasted apps (<see cref="PastedApps"/>) to a folder outside the repository and builds them once, as
/// one solution: each app references the repository's projects for the PollyBreakerExt packages the page names (what the
/// packed packages hold; .ci/packages proves the packages install) and nuget.org packages at the repository's versions.
/// </summary>
public sealed partial class PastedAppsFixture : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    private readonly bool _keep;

    public PastedAppsFixture()
    {
        Folder = Directory.CreateTempSubdirectory("pollybreakerext-pasted-").FullName;
        var versions = XDocument.Load(Path.Combine(Repository.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(item => (string)item.Attribute("Include")!, item => (string)item.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var projects = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(file => Path.GetFileNameWithoutExtension(file) is not ("PollyBreakerExt.Demo" or "PollyBreakerExt.Tuner")) // an app and a tool, not libraries
            .ToDictionary(file => Path.GetFileNameWithoutExtension(file), StringComparer.OrdinalIgnoreCase);
        var known = versions.Keys.Concat(projects.Keys).ToList();
        var excerpts = Repository.SnippetSourceFiles()
            .Where(file => Repository.Relative(file).StartsWith("src/", StringComparison.Ordinal))
            .SelectMany(file => Snippets.ReadRegions(Repository.Relative(file), File.ReadAllText(file)))
            .Select(region => region.Name)
            .ToHashSet(StringComparer.Ordinal);

        // POLLYBREAKEREXT_PASTED_PAGES=README.md,docs/fleet.md narrows the pages while mending them (the whole run builds a
        // dozen apps); POLLYBREAKEREXT_PASTED_KEEP=1 keeps the folder to look at.
        var only = Environment.GetEnvironmentVariable("POLLYBREAKEREXT_PASTED_PAGES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _keep = Environment.GetEnvironmentVariable("POLLYBREAKEREXT_PASTED_KEEP") == "1";
        Apps = Repository.DocumentationFiles()
            .Where(file => only is null || only.Contains(Repository.Relative(file)))
            .SelectMany(file => PastedApps.From(Repository.Relative(file), File.ReadAllText(file), known, excerpts))
            .ToList();
        var solution = new StringBuilder("<Solution>\n");
        foreach (var app in Apps)
        {
            var directory = Path.Combine(Folder, app.Name);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "Program.cs"), app.Program);
            for (var i = 0; i < app.TypeFiles.Count; i++)
            {
                File.WriteAllText(Path.Combine(directory, $"Types{i + 1}.cs"), app.TypeFiles[i]);
            }

            var references = app.Packages.Select(id => projects.TryGetValue(id, out var project)
                ? $"    <ProjectReference Include=\"{project}\" />"
                : $"    <PackageReference Include=\"{id}\" Version=\"{versions[id]}\" />");
            File.WriteAllText(Path.Combine(directory, app.Name + ".csproj"), $"""
                <Project Sdk="{(app.Web ? "Microsoft.NET.Sdk.Web" : "Microsoft.NET.Sdk")}">
                  <!-- {app.Page}: what dotnet new {(app.Web ? "web" : "console")} gives, and the packages the page names. -->
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                {string.Join('\n', references)}
                  </ItemGroup>
                </Project>
                """);
            solution.Append(CultureInvariant($"  <Project Path=\"{app.Name}/{app.Name}.csproj\" />\n"));
        }

        File.WriteAllText(Path.Combine(Folder, "pasted.slnx"), solution.Append("</Solution>\n").ToString());
        (BuildExitCode, BuildOutput) = Run("dotnet", ["build", "pasted.slnx", "-c", "Release", "-nologo"], Folder, BuildTimeout);
    }

    /// <summary>Where the apps are: one folder each and <c>pasted.slnx</c>.</summary>
    public string Folder { get; }

    public IReadOnlyList<PastedApp> Apps { get; }

    public int BuildExitCode { get; }

    public string BuildOutput { get; }

    /// <summary>The build's errors of one app, each once.</summary>
    public IReadOnlyList<string> ErrorsOf(PastedApp app)
        => BuildOutput.Split('\n')
            .Where(line => line.Contains(": error ", StringComparison.Ordinal) && line.Contains($"/{app.Name}/", StringComparison.Ordinal))
            .Select(line => ErrorLocation().Replace(line.Trim(), string.Empty))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>The built app's main assembly.</summary>
    public string AssemblyOf(PastedApp app) => Path.Combine(Folder, app.Name, "bin", "Release", "net10.0", app.Name + ".dll");

    public void Dispose()
    {
        if (_keep)
        {
            return;
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is no test failure.
        }
    }

    internal static (int ExitCode, string Output) Run(string command, IEnumerable<string> arguments, string directory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{command} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}.");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>The " [/path/to/project.csproj]" msbuild appends to each error.</summary>
    [GeneratedRegex(@"\s*\[[^\]]+\.csproj\]$")]
    private static partial Regex ErrorLocation();
}
