using System.Text.RegularExpressions;

namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// Turns a page into the apps a reader gets by pasting its C# blocks, in order, into new apps: pure, so the rules are tested
/// on strings.
/// </summary>
/// <remarks>
/// The rules, which are what the pages promise a reader:
/// <list type="bullet">
/// <item>A block that uses <c>builder</c> or <c>app</c> goes into the web app's Program.cs (<c>dotnet new web</c>): what
/// comes before <c>var app = builder.Build();</c> (or the whole block, when it names no <c>app</c>) among the services, the
/// rest after <c>Build</c>, before <c>app.Run();</c>. A second block with its own <c>var app = builder.Build();</c> is
/// another way to set the app up: it starts a new app.</item>
/// <item>Any other block of statements goes, in order, into the console app's Program.cs (<c>dotnet new console</c>).</item>
/// <item>A block that declares a variable the app already declares otherwise is another way to do the same thing: it starts
/// a new app. A declaration the app already has word for word is not pasted twice.</item>
/// <item>A block whose snippet is an excerpt of the demo's source (its region is under src/) is not pasted: the page says
/// it is the demo's code.</item>
/// <item>Type declarations (a block, or the rest of a block, from a line starting a class, record or struct) get a file
/// each, in every app of the page.</item>
/// <item><c>using</c> lines at the top of any block go at the top of every file of the page; no other using is added but
/// the SDK's implicit ones. The packages are the ids the page names in code spans or <c>dotnet add package</c> lines.</item>
/// </list>
/// </remarks>
internal static partial class PastedApps
{
    private const string Build = "var app = builder.Build();";

    public static IReadOnlyList<PastedApp> From(string page, string text, IReadOnlyCollection<string> knownPackages, IReadOnlySet<string>? excerpts = null)
    {
        var packages = NamedPackages(text, knownPackages);
        var usings = new List<string>();
        var types = new List<string>();
        var consoleApps = new List<List<string>>();
        var webApps = new List<(List<string> Services, List<string> App, bool Built)>();
        foreach (var block in Snippets.ReadBlocks(page, text).Where(block => block.Name is null || excerpts?.Contains(block.Name) != true))
        {
            var lines = Snippets.Normalize(block.Lines).ToList();
            while (lines.Count > 0 && (UsingLine().IsMatch(lines[0]) || lines[0].Length == 0))
            {
                if (lines[0].Length > 0 && !usings.Contains(lines[0]))
                {
                    usings.Add(lines[0]);
                }

                lines.RemoveAt(0);
            }

            var typeStart = lines.FindIndex(line => TypeDeclaration().IsMatch(line));
            if (typeStart >= 0)
            {
                // Doc comments and attributes right above the type belong to it.
                while (typeStart > 0 && lines[typeStart - 1].TrimStart() is var above && (above.StartsWith("///", StringComparison.Ordinal) || above.StartsWith('[')))
                {
                    typeStart--;
                }

                types.Add(string.Join('\n', lines[typeStart..]));
                lines = lines[..typeStart];
            }

            lines = lines.Where(line => line.Trim() is not ("var builder = WebApplication.CreateBuilder(args);" or "app.Run();")).ToList();
            if (lines.All(line => line.Trim().Length == 0))
            {
                continue;
            }

            if (!lines.Any(line => UsesBuilderOrApp().IsMatch(line)))
            {
                if (consoleApps.Count == 0 || Redeclares(consoleApps[^1], lines))
                {
                    consoleApps.Add([]);
                }

                var pasted = consoleApps[^1];
                pasted.AddRange(lines.Where(line => !Declaration().IsMatch(line) || !pasted.Contains(line)).ToList());
                continue;
            }

            var build = lines.FindIndex(line => line.Trim() == Build);
            if (webApps.Count == 0 || (build >= 0 && webApps[^1].Built) || Redeclares([.. webApps[^1].Services, .. webApps[^1].App], lines))
            {
                webApps.Add(([], [], false));
            }

            // A declaration the app already has, word for word, the reader already pasted.
            var web = webApps[^1];
            lines = lines.Where(line => !Declaration().IsMatch(line) || !(web.Services.Contains(line) || web.App.Contains(line))).ToList();
            build = lines.FindIndex(line => line.Trim() == Build);
            if (build >= 0)
            {
                web.Services.AddRange(lines[..build]);
                web.App.AddRange(lines[(build + 1)..]);
                webApps[^1] = web with { Built = true };
            }
            else if (lines.Any(line => UsesApp().IsMatch(line)))
            {
                web.App.AddRange(lines);
            }
            else
            {
                web.Services.AddRange(lines);
            }
        }

        var name = Path.GetFileNameWithoutExtension(page).Replace('-', '_');
        var header = usings.Count == 0 ? string.Empty : string.Join('\n', usings) + "\n\n";
        var typeFiles = types.Select(type => header + type + "\n").ToList();
        var apps = new List<PastedApp>();
        for (var i = 0; i < consoleApps.Count; i++)
        {
            apps.Add(new PastedApp($"{name}_console{i + 1}", page, Web: false, packages, header + string.Join('\n', consoleApps[i]) + "\n", typeFiles));
        }

        for (var i = 0; i < webApps.Count; i++)
        {
            var program = header
                + "var builder = WebApplication.CreateBuilder(args);\n"
                + string.Join('\n', webApps[i].Services) + "\n"
                + Build + "\n"
                + string.Join('\n', webApps[i].App) + "\n"
                + "app.Run();\n";
            apps.Add(new PastedApp($"{name}_web{i + 1}", page, Web: true, packages, program, typeFiles));
        }

        if (apps.Count == 0 && typeFiles.Count > 0)
        {
            apps.Add(new PastedApp($"{name}_console", page, Web: false, packages, header, typeFiles));
        }

        return apps;
    }

    /// <summary>
    /// Whether <paramref name="block"/> declares, differently, a variable the app already declares: then it is another
    /// way to do the same thing, which a reader pastes into a new app.
    /// </summary>
    private static bool Redeclares(IReadOnlyList<string> app, IReadOnlyList<string> block)
    {
        var declared = app.Select(line => Declaration().Match(line)).Where(match => match.Success).ToDictionary(match => match.Groups["name"].Value, match => match.Value);
        return block.Select(line => Declaration().Match(line))
            .Any(match => match.Success && declared.TryGetValue(match.Groups["name"].Value, out var earlier) && earlier != match.Value);
    }

    /// <summary>The known package ids the page names, in a code span or after <c>dotnet add package</c>.</summary>
    public static IReadOnlyList<string> NamedPackages(string text, IReadOnlyCollection<string> knownPackages)
        => PackageMention().Matches(text)
            .Select(match => match.Groups["id"].Value)
            .Where(id => knownPackages.Contains(id, StringComparer.OrdinalIgnoreCase))
            .Select(id => knownPackages.First(known => string.Equals(known, id, StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    [GeneratedRegex(@"^using (static )?[A-Za-z_][\w.]*( = [\w.<>]+)?;$")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^((public|internal|private|protected|file|sealed|abstract|static|partial|readonly)\s+)*(class|record|struct|interface|enum)\s+\w")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^(await using |using )?var (?<name>\w+) =.*$")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b(builder|app)\.")]
    private static partial Regex UsesBuilderOrApp();

    [GeneratedRegex(@"\bapp\.")]
    private static partial Regex UsesApp();

    [GeneratedRegex(@"(`(dotnet add package\s+)?|dotnet add package\s+)(?<id>[A-Za-z][\w]*(\.[A-Za-z][\w]*)*)")]
    private static partial Regex PackageMention();
}
