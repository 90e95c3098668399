namespace PollyBreakerExt.Docs.Tests;

/// <summary>How a page's blocks become the apps a reader pastes them into (<see cref="PastedApps"/>), on strings.</summary>
public class PastedAppsRulesTests
{
    private static readonly string[] Known = ["PollyBreakerExt", "PollyBreakerExt.AspNetCore", "OpenTelemetry.Extensions.Hosting"];

    [Fact]
    public void A_web_block_goes_around_the_templates_build_and_the_app_runs_at_the_end()
    {
        var app = Assert.Single(PastedApps.From("page.md", Page(
            "builder.Services.AddSlowCallCircuitBreakerRegistry();",
            "var app = builder.Build();",
            "app.MapSlowCallCircuitBreakers();"), Known));

        Assert.True(app.Web);
        Assert.Equal(
            "var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddSlowCallCircuitBreakerRegistry();\nvar app = builder.Build();\napp.MapSlowCallCircuitBreakers();\napp.Run();\n",
            app.Program);
    }

    [Fact]
    public void Blocks_that_each_build_the_app_are_ways_to_set_it_up_and_each_gets_an_app()
    {
        var apps = PastedApps.From("page.md", Page("var app = builder.Build();\napp.MapA();") + Page("var app = builder.Build();\napp.MapB();"), Known);

        Assert.Equal(["page_web1", "page_web2"], apps.Select(app => app.Name));
        Assert.Contains("app.MapA();", apps[0].Program, StringComparison.Ordinal);
        Assert.DoesNotContain("app.MapB();", apps[0].Program, StringComparison.Ordinal);
    }

    [Fact]
    public void A_console_block_that_declares_a_variable_again_differently_starts_a_new_app_and_the_same_declaration_is_pasted_once()
    {
        var apps = PastedApps.From("page.md", Page("var a = 1;\nvar b = a;") + Page("var a = 1;\nConsole.WriteLine(b);") + Page("var b = 2;"), Known);

        Assert.Equal(["page_console1", "page_console2"], apps.Select(app => app.Name));
        Assert.Equal("var a = 1;\nvar b = a;\nConsole.WriteLine(b);\n", apps[0].Program);
        Assert.Equal("var b = 2;\n", apps[1].Program);
    }

    [Fact]
    public void Usings_go_on_top_of_every_file_and_types_get_files_of_their_own()
    {
        var app = Assert.Single(PastedApps.From("page.md", Page("using System.Net;\n\nvar counter = new Counter();") + Page("/// <summary>Counts.</summary>\ninternal sealed class Counter { }"), Known));

        Assert.Equal("using System.Net;\n\nvar counter = new Counter();\n", app.Program);
        Assert.Equal(["using System.Net;\n\n/// <summary>Counts.</summary>\ninternal sealed class Counter { }\n"], app.TypeFiles);
    }

    [Fact]
    public void The_packages_are_the_known_ids_the_page_names_and_excerpts_of_the_demo_are_not_pasted()
    {
        var text = "Add `PollyBreakerExt.AspNetCore` and run `dotnet add package OpenTelemetry.Extensions.Hosting`; `Unknown.Package` is no package.\n\n"
            + "<!-- snippet: demo-excerpt -->\n```csharp\noptions.Retry.Delay = timings.RetryDelay;\n```\n";

        Assert.Equal(["OpenTelemetry.Extensions.Hosting", "PollyBreakerExt.AspNetCore"], PastedApps.NamedPackages(text, Known));
        Assert.Empty(PastedApps.From("page.md", text, Known, new HashSet<string> { "demo-excerpt" }));
    }

    private static string Page(params string[] lines) => "```csharp\n" + string.Join('\n', lines) + "\n```\n\n";
}
