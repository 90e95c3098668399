using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PollyBreakerExt;

/// <summary>
/// Refuses isolate and close unless the request could not have come from another site's page: it carries
/// <see cref="HeaderName"/> (a browser sends a custom header cross-site only after a CORS preflight the app would have to
/// allow), or a valid antiforgery token when the app uses antiforgery.
/// </summary>
internal static class CircuitCommandGuard
{
    public const string HeaderName = "X-PollyBreakerExt";

    public static async Task<IResult?> RefuseAsync(HttpContext context)
    {
        if (!string.IsNullOrWhiteSpace(context.Request.Headers[HeaderName]))
        {
            return null;
        }

        if (context.RequestServices.GetService<IAntiforgery>() is { } antiforgery
            && await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return null;
        }

        return Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Missing the operator header",
            detail: $"Isolate and close need the header '{HeaderName}: 1' (or a valid antiforgery token), so that a page on another site cannot send them.");
    }
}
