using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;

namespace PollyBreakerExt.AspNetCore.Tests.Docs;

/// <summary>The code of docs/operator-endpoints.md and the README's section, compiled and run.</summary>
public sealed class OperatorEndpointsSnippets
{
    [Fact]
    public async Task The_one_liner_maps_the_list_and_the_dashboard()
    {
        var builder = LoopbackBuilder();

        // snippet: operator-endpoints
        builder.Services.AddSlowCallCircuitBreakerRegistry(); // AddSlowCallResilienceHandler does it too
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers(); // GET /circuits, /circuits/ui, /circuits/stream, ...
        // end snippet

        await using var running = await StartAsync(app);
        using var client = Client(app);
        Assert.Equal("[]", await client.GetStringAsync("circuits"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("circuits/ui")).StatusCode);
    }

    [Fact]
    public async Task The_authorization_example_keeps_everyone_else_out()
    {
        var builder = LoopbackBuilder();
        builder.Services.AddSlowCallCircuitBreakerRegistry();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
            options.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            });

        // snippet: operator-endpoints-authorization
        builder.Services.AddAuthorization(options => options.AddPolicy("ops", policy => policy.RequireRole("ops")));
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers("/ops/circuits").RequireAuthorization("ops");
        // end snippet

        await using var running = await StartAsync(app);
        using var client = Client(app);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("ops/circuits")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("ops/circuits/ui")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("ops/circuits/stream")).StatusCode);
    }

    [Fact]
    public async Task The_readme_example_maps_everything_behind_the_ops_policy()
    {
        var builder = LoopbackBuilder();
        builder.Services.AddAuthorization(options => options.AddPolicy("ops", policy => policy.RequireRole("ops")));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
            options.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            });

        // snippet: operator-endpoints-readme
        builder.Services.AddSlowCallCircuitBreakerRegistry();
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers("/circuits").RequireAuthorization("ops"); // JSON, events, stream, isolate/close, /ui
        // end snippet

        await using var running = await StartAsync(app);
        using var client = Client(app);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("circuits")).StatusCode);
    }

    private static WebApplicationBuilder LoopbackBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        return builder;
    }

    private static async Task<IAsyncDisposable> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app)
        => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(app.Urls.First() + "/") };
}
