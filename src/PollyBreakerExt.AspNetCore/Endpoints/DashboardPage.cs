using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace PollyBreakerExt;

/// <summary>
/// <c>GET {pattern}/ui</c> and its two files: the dashboard, plain HTML, CSS and JavaScript embedded in this assembly, served
/// as they are, with a content security policy that allows nothing but this origin.
/// </summary>
internal static class DashboardPage
{
    public const string ScriptPath = "ui/dashboard.js";
    public const string StylePath = "ui/dashboard.css";

    private const string BasePlaceholder = "{{base}}";
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<string> Html = new(() => Read("dashboard.html"));
    private static readonly Lazy<string> Script = new(() => Read("dashboard.js"));
    private static readonly Lazy<string> Style = new(() => Read("dashboard.css"));

    /// <summary>Serves the page, with the endpoints' base path (where the group is mapped, behind any path base) filled in.</summary>
    public static IResult Page(HttpContext context)
    {
        var path = (context.Request.PathBase + context.Request.Path).Value ?? string.Empty;
        path = path.TrimEnd('/');
        var basePath = path[..Math.Max(0, path.LastIndexOf('/'))];
        var html = Html.Value.Replace(BasePlaceholder, HtmlEncoder.Default.Encode(basePath), StringComparison.Ordinal);
        return File(context, html, "text/html; charset=utf-8");
    }

    public static IResult ScriptFile(HttpContext context) => File(context, Script.Value, "text/javascript; charset=utf-8");

    public static IResult StyleFile(HttpContext context) => File(context, Style.Value, "text/css; charset=utf-8");

    private static IResult File(HttpContext context, string content, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Text(content, contentType);
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PollyBreakerExt.Ui." + name)
            ?? throw new InvalidOperationException($"The dashboard's embedded file '{name}' is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
