namespace PollyBreakerExt.Docs.Tests;

/// <summary>
/// A new app made of one page's C# blocks as a reader pastes them: <c>dotnet new web</c> or <c>dotnet new console</c>, the
/// packages the page names, the page's <c>using</c> lines at the top of each file.
/// </summary>
/// <param name="Name">A project name: the page and which of its apps.</param>
/// <param name="Page">The page, relative to the repository.</param>
/// <param name="Web">An ASP.NET Core app (<c>Microsoft.NET.Sdk.Web</c>) rather than a console app.</param>
/// <param name="Packages">The package ids the page names.</param>
/// <param name="Program">Program.cs.</param>
/// <param name="TypeFiles">One file per block that declares types (a reader gives each class its own file).</param>
public sealed record PastedApp(string Name, string Page, bool Web, IReadOnlyList<string> Packages, string Program, IReadOnlyList<string> TypeFiles);
