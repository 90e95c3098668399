using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PollyBreakerExt;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps the operator endpoints of the slow-call circuit breakers: every breaker as JSON, its recent transitions, a live
/// event stream, isolate and close, and a live dashboard page.
/// </summary>
public static class SlowCallCircuitBreakerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="pattern"/>, the breakers of the container's <see cref="SlowCallCircuitBreakerRegistry"/>:
    /// <list type="bullet">
    /// <item><c>GET {pattern}</c>: every breaker as JSON (key, names, state, last reason, state since, retry-after, metrics, fleet).</item>
    /// <item><c>GET {pattern}/{key}/events</c>: the breaker's last 100 transitions, newest first.</item>
    /// <item><c>GET {pattern}/stream</c>: server-sent events, one per transition as it happens and a snapshot each second.</item>
    /// <item><c>POST {pattern}/{key}/isolate</c> and <c>POST {pattern}/{key}/close</c>: 204, 404 for an unknown key; 403
    /// unless the request carries the header <c>X-PollyBreakerExt: 1</c> or a valid antiforgery token. A breaker in the
    /// container's fleet (<see cref="ICircuitBreakerFleetControl"/>) is isolated or closed on every replica; 503 when the
    /// fleet could not send the command, which then held on this replica only.</item>
    /// <item><c>GET {pattern}/ui</c>: the dashboard, a self-contained page that works offline.</item>
    /// </list>
    /// </summary>
    /// <param name="endpoints">The app (or any route builder) to map on.</param>
    /// <param name="pattern">Where the endpoints live; <c>/circuits</c> by default.</param>
    /// <returns>The endpoints' route group, so that conventions such as <c>RequireAuthorization("ops")</c> apply to all of them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The registry is not registered: call <c>services.AddSlowCallCircuitBreakerRegistry()</c>.</exception>
    /// <remarks>
    /// <c>{key}</c> is the breaker key: pipeline, instance and strategy name joined by <c>/</c>, empty parts left out,
    /// URL-encoded (a <c>/</c> in it may be sent as it is or as <c>%2F</c>). Nothing here is authorized by itself: expose
    /// it only behind the app's own authorization, or on loopback.
    /// </remarks>
    public static RouteGroupBuilder MapSlowCallCircuitBreakers(this IEndpointRouteBuilder endpoints, string pattern = "/circuits")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);

        var registry = endpoints.ServiceProvider.GetService<SlowCallCircuitBreakerRegistry>()
            ?? throw new InvalidOperationException(
                "MapSlowCallCircuitBreakers needs the breaker registry: call services.AddSlowCallCircuitBreakerRegistry() (or AddSlowCallResilienceHandler) first.");
        var dashboard = new CircuitDashboard(
            registry,
            endpoints.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System,
            endpoints.ServiceProvider.GetService<ICircuitBreakerFleetControl>());
        dashboard.Ratios.StartWith(endpoints.ServiceProvider.GetService<IHostApplicationLifetime>(), dashboard);

        // As metadata, the dashboard is found with the endpoints it serves (by tests, say), and kept alive with them.
        // Every handler is a plain RequestDelegate and writes JSON through generated metadata: no reflection, so the
        // endpoints are safe under trimming and native AOT without the request delegate generator.
        var group = endpoints.MapGroup(pattern).WithMetadata(dashboard);
        group.MapGet(string.Empty, context => Results.Json(dashboard.List(), CircuitEndpointsJsonContext.Default.IReadOnlyListSlowCallCircuitBreakerStatus).ExecuteAsync(context));
        group.MapGet("stream", context => CircuitEventStream.WriteAsync(context, dashboard));
        group.MapGet("ui", context => DashboardPage.Page(context, dashboard).ExecuteAsync(context));
        group.MapGet(DashboardPage.ScriptPath, context => DashboardPage.ScriptFile(context).ExecuteAsync(context));
        group.MapGet(DashboardPage.StylePath, context => DashboardPage.StyleFile(context).ExecuteAsync(context));
        group.MapGet("{**path}", context => Events(context, dashboard).ExecuteAsync(context));
        group.MapPost("{**path}", async context => await (await CommandAsync(context, dashboard).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false));

        return group;
    }

    private static IResult Events(HttpContext context, CircuitDashboard dashboard)
    {
        if (!CircuitKeyPath.TryParse(PathOf(context), out var key, out var action) || action != "events")
        {
            return NoSuchEndpoint();
        }

        if (CircuitKeyPath.IsTooLong(key))
        {
            return KeyTooLong();
        }

        return dashboard.Events(key) is { } events
            ? Results.Json(events, CircuitEndpointsJsonContext.Default.CircuitTransitionJsonArray)
            : UnknownKey(key);
    }

    private static async Task<IResult> CommandAsync(HttpContext context, CircuitDashboard dashboard)
    {
        if (await CircuitCommandGuard.RefuseAsync(context).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (!CircuitKeyPath.TryParse(PathOf(context), out var key, out var action) || action is not ("isolate" or "close"))
        {
            return NoSuchEndpoint();
        }

        if (CircuitKeyPath.IsTooLong(key))
        {
            return KeyTooLong();
        }

        bool done;
        try
        {
            done = action == "isolate"
                ? await dashboard.IsolateAsync(key).ConfigureAwait(false)
                : await dashboard.CloseAsync(key).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Only a fleet's failure lands here (Redis unreachable, say): the command held on this replica, the others
            // did not hear it. The fleet logs its own outage; the operator gets a clear status to retry on.
            return FleetUnreachable(action, exception);
        }

        return done ? Results.NoContent() : UnknownKey(key);
    }

    /// <summary>The catch-all route value: the URL-encoded key and the action after it.</summary>
    private static string? PathOf(HttpContext context) => context.Request.RouteValues["path"] as string;

    private static IResult UnknownKey(string key)
        => Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Unknown circuit breaker",
            detail: $"No live breaker has the key '{(key.Length > 200 ? key[..200] + "…" : key)}'. Keys are pipeline/instance/strategy names, URL-encoded; GET the list for them.");

    private static IResult FleetUnreachable(string action, Exception exception)
        => Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Fleet unreachable",
            detail: $"The {action} held on this replica only: the fleet could not send it to the others ({exception.GetType().Name}: {exception.Message}). Try again once the fleet is connected.");

    private static IResult KeyTooLong()
        => Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Breaker key too long",
            detail: $"A breaker key is at most {CircuitKeyPath.MaxKeyLength} characters.");

    private static IResult NoSuchEndpoint()
        => Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No such endpoint",
            detail: "Breaker endpoints are {key}/events (GET), {key}/isolate and {key}/close (POST), with the key URL-encoded.");
}
