using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

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
    public async Task The_authorization_setup_answers_401_without_the_key_and_200_with_it()
    {
        var builder = LoopbackBuilder();
        builder.Configuration["Ops:Key"] = OpsKey;

        // snippet: operator-endpoints-authorization
        builder.Services.AddSlowCallCircuitBreakerRegistry(); // AddSlowCallResilienceHandler does it too
        builder.Services.AddAuthentication().AddScheme<OpsKeyOptions, OpsKeyHandler>("OpsKey", options =>
            options.Key = builder.Configuration["Ops:Key"]); // a long random secret, from your secret store
        builder.Services.AddAuthorization(options => options.AddPolicy("ops", policy => policy
            .AddAuthenticationSchemes("OpsKey")
            .RequireRole("ops")));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSlowCallCircuitBreakers("/ops/circuits").RequireAuthorization("ops");
        // end snippet

        await using var running = await StartAsync(app);
        using var client = Client(app);
        foreach (var path in new[] { "ops/circuits", "ops/circuits/ui", "ops/circuits/stream", "ops/circuits/none/events" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(client, HttpMethod.Get, path, ("X-Ops-Key", "wrong-key"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(client, HttpMethod.Post, "ops/circuits/none/isolate", ("X-PollyBreakerExt", "1"))).StatusCode);

        using var list = await SendAsync(client, HttpMethod.Get, "ops/circuits", ("X-Ops-Key", OpsKey));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        using var page = await SendAsync(client, HttpMethod.Get, "ops/circuits/ui", ("X-Ops-Key", OpsKey));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var command = await SendAsync(client, HttpMethod.Post, "ops/circuits/none/isolate", ("X-Ops-Key", OpsKey), ("X-PollyBreakerExt", "1"));
        Assert.Equal(HttpStatusCode.NotFound, command.StatusCode); // authorized; no breaker has that key
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequireAuthorization_without_a_scheme_answers_500_as_the_docs_warn(bool addAuthorization)
    {
        var builder = LoopbackBuilder();
        builder.Logging.ClearProviders(); // the 500 is logged as an error, on purpose here
        builder.Services.AddSlowCallCircuitBreakerRegistry();
        if (addAuthorization)
        {
            builder.Services.AddAuthorization(options => options.AddPolicy("ops", policy => policy.RequireRole("ops")));
        }

        var app = builder.Build();
        app.MapSlowCallCircuitBreakers("/circuits").RequireAuthorization("ops");

        await using var running = await StartAsync(app);
        using var client = Client(app);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("circuits")).StatusCode);
    }

    [Fact]
    public async Task The_loopback_setup_answers_only_this_machine()
    {
        var builder = LoopbackBuilder();

        // snippet: operator-endpoints-loopback
        builder.Services.AddSlowCallCircuitBreakerRegistry();
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers("/circuits").AddEndpointFilter((context, next) =>
            IsLoopback(context.HttpContext.Connection.RemoteIpAddress)
                ? next(context)
                : ValueTask.FromResult<object?>(Results.NotFound())); // to other machines, there is nothing here

        static bool IsLoopback(IPAddress? address)
            => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        // end snippet

        PretendRemoteAddress(app);
        await using var running = await StartAsync(app);
        using var client = Client(app);
        await AssertLoopbackOnlyAsync(client);
    }

    [Fact]
    public async Task The_readme_example_answers_only_this_machine()
    {
        var builder = LoopbackBuilder();

        // snippet: operator-endpoints-readme
        builder.Services.AddSlowCallCircuitBreakerRegistry();
        var app = builder.Build();
        app.MapSlowCallCircuitBreakers("/circuits") // JSON, events, stream, isolate/close, /ui
            .AddEndpointFilter((context, next) => context.HttpContext.Connection.RemoteIpAddress is { } address
                && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)
                    ? next(context)
                    : ValueTask.FromResult<object?>(Results.NotFound())); // only from this machine
        // end snippet

        PretendRemoteAddress(app);
        await using var running = await StartAsync(app);
        using var client = Client(app);
        await AssertLoopbackOnlyAsync(client);
    }

    private const string OpsKey = "a-test-key-long-and-random-in-production";

    /// <summary>
    /// The tests may reach Kestrel from 127.0.0.1 only; this stands for another machine: a request with the test header
    /// X-Test-Remote-Address gets that remote address before the endpoints run.
    /// </summary>
    private static void PretendRemoteAddress(WebApplication app)
        => app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue("X-Test-Remote-Address", out var address))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
            }

            return next(context);
        });

    private static async Task AssertLoopbackOnlyAsync(HttpClient client)
    {
        using var list = await client.GetAsync("circuits");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        using var mapped = await SendAsync(client, HttpMethod.Get, "circuits", ("X-Test-Remote-Address", "::ffff:127.0.0.1"));
        Assert.Equal(HttpStatusCode.OK, mapped.StatusCode);
        using var page = await client.GetAsync("circuits/ui");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        foreach (var remote in new[] { "203.0.113.7", "2001:db8::7", "::ffff:203.0.113.7" })
        {
            foreach (var path in new[] { "circuits", "circuits/ui", "circuits/ui/dashboard.js", "circuits/ui/dashboard.css", "circuits/stream", "circuits/none/events" })
            {
                using var response = await SendAsync(client, HttpMethod.Get, path, ("X-Test-Remote-Address", remote));
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path} from {remote} answered {(int)response.StatusCode}");
                Assert.Null(response.Content.Headers.ContentType); // the filter's bare 404, not the endpoints' problem+json
            }

            using var command = await SendAsync(client, HttpMethod.Post, "circuits/none/isolate", ("X-Test-Remote-Address", remote), ("X-PollyBreakerExt", "1"));
            Assert.Equal(HttpStatusCode.NotFound, command.StatusCode);
            Assert.Null(command.Content.Headers.ContentType);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
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
