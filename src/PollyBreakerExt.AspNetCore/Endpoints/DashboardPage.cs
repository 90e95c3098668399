using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace PollyBreakerExt;

/// <summary>
/// <c>GET {pattern}/ui</c> and its two files: the dashboard, plain HTML, CSS and JavaScript embedded in this assembly, served
/// with a content security policy that allows nothing but this origin. The page carries its first snapshot and the charts'
/// history as JSON data blocks, so it shows every breaker at once, before (and without) the event stream: behind a proxy
/// that buffers responses the stream delivers nothing, and an operator must still see the state.
/// </summary>
internal static partial class DashboardPage
{
    public const string ScriptPath = "ui/dashboard.js";
    public const string StylePath = "ui/dashboard.css";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<string> Html = new(() => Read("dashboard.html"));
    private static readonly Lazy<string> Script = new(() => Read("dashboard.js"));
    private static readonly Lazy<string> Style = new(() => Read("dashboard.css"));

    /// <summary>
    /// Serves the page, with the endpoints' base path (where the group is mapped, behind any path base), the first snapshot
    /// and the history filled in.
    /// </summary>
    public static IResult Page(HttpContext context, CircuitDashboard dashboard)
    {
        var path = (context.Request.PathBase + context.Request.Path).Value ?? string.Empty;
        path = path.TrimEnd('/');
        var basePath = path[..Math.Max(0, path.LastIndexOf('/'))];
        var now = dashboard.TimeProvider.GetUtcNow();

        // One pass over the template, so a breaker key that looks like a placeholder stays text. The JSON serializer's default
        // encoder escapes <, > and &, so no JSON can end its <script> data block early.
        var html = Placeholder().Replace(Html.Value, placeholder => placeholder.Groups[1].Value switch
        {
            "base" => HtmlEncoder.Default.Encode(basePath),
            "history" => JsonSerializer.Serialize(new CircuitHistoryJson(now, dashboard.Ratios.Copy()), CircuitEndpointsJsonContext.Default.CircuitHistoryJson),
            _ => JsonSerializer.Serialize(new CircuitSnapshotJson(now, dashboard.List()), CircuitEndpointsJsonContext.Default.CircuitSnapshotJson),
        });
        return File(context, html, "text/html; charset=utf-8");
    }

    public static IResult ScriptFile(HttpContext context) => File(context, Script.Value, "text/javascript; charset=utf-8");

    public static IResult StyleFile(HttpContext context) => File(context, Style.Value, "text/css; charset=utf-8");

    [GeneratedRegex(@"\{\{(base|history|snapshot)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

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
