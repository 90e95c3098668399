using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>
/// <c>POST /circuits/{key}/isolate</c> and <c>/close</c>: 204, 404 for an unknown key, and refused unless the request
/// carries the operator header or an antiforgery token, so that no other site's page can send them.
/// </summary>
public sealed class CircuitCommandEndpointTests
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Payments = new("payments", "https://pay.example:443", "payments-breaker");

    [Fact]
    public async Task Isolate_isolates_and_close_closes_with_the_operator_header()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments]);

        using (var isolated = await app.Client.SendAsync(Command(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/isolate")))
        {
            Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        }

        Assert.Equal(CircuitState.Isolated, app.StateOf(Orders));
        Assert.Equal(CircuitState.Closed, app.StateOf(Payments));
        Assert.Throws<IsolatedCircuitException>(() => app.Pipeline(Orders).Execute(static () => { }));

        using (var closed = await app.Client.SendAsync(Command(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/close")))
        {
            Assert.Equal(HttpStatusCode.NoContent, closed.StatusCode);
        }

        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Fact]
    public async Task Isolate_and_close_find_a_key_with_slashes()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Payments]);

        using var response = await app.Client.SendAsync(Command(HttpMethod.Post, $"circuits/{Payments.EncodedKey}/isolate"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(CircuitState.Isolated, app.StateOf(Payments));
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Fact]
    public async Task Close_closes_an_open_breaker()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        app.Trip(Orders);

        using var response = await app.Client.SendAsync(Command(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/close"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Theory]
    [InlineData("isolate")]
    [InlineData("close")]
    public async Task An_unknown_key_is_404(string action)
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var response = await app.Client.SendAsync(Command(HttpMethod.Post, $"circuits/orders%2Fnope/{action}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(app.Errors());
    }

    [Theory]
    [InlineData("isolate")]
    [InlineData("close")]
    public async Task A_post_without_the_header_is_refused_and_changes_nothing(string action)
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        app.Trip(Orders);

        // What a form on another site can send: a simple POST, no custom header.
        using var response = await app.Client.PostAsync(
            $"circuits/{Orders.EncodedKey}/{action}", new FormUrlEncodedContent([new("x", "1")]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("X-PollyBreakerExt", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Open, app.StateOf(Orders));
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task A_post_with_an_empty_header_is_refused()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/isolate");
        request.Headers.Add("X-PollyBreakerExt", " ");

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Fact]
    public async Task A_post_with_a_valid_antiforgery_token_is_accepted_instead_of_the_header()
    {
        await using var app = await CircuitsApp.StartAsync(
            [Orders],
            services: services => services.AddAntiforgery(),
            map: web => web.MapGet("/token", (HttpContext context, IAntiforgery antiforgery) =>
                Results.Json(new { token = antiforgery.GetAndStoreTokens(context).RequestToken })));
        var token = (await app.Client.GetFromJsonAsync<TokenJson>("token"))!.Token;

        using var forged = new HttpRequestMessage(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/isolate");
        forged.Headers.Add("RequestVerificationToken", "forged");
        using var refused = await app.Client.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"circuits/{Orders.EncodedKey}/isolate");
        request.Headers.Add("RequestVerificationToken", token); // with the antiforgery cookie the client keeps
        using var accepted = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        Assert.Equal(CircuitState.Isolated, app.StateOf(Orders));
    }

    [Fact]
    public async Task The_group_takes_authorization_conventions()
    {
        await using var app = await CircuitsApp.StartAsync(
            [Orders],
            services: services => services
                .AddAuthorization(options => options.AddPolicy("ops", policy => policy.RequireRole("ops")))
                .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
                .AddCookie(options => options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }),
            map: web =>
            {
                web.UseAuthentication();
                web.UseAuthorization();
                web.MapSlowCallCircuitBreakers("/ops/circuits").RequireAuthorization("ops");
            });

        using var refused = await app.Client.SendAsync(Command(HttpMethod.Post, $"ops/circuits/{Orders.EncodedKey}/isolate"));
        using var list = await app.Client.GetAsync("ops/circuits");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    internal static HttpRequestMessage Command(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-PollyBreakerExt", "1");
        return request;
    }

    private sealed record TokenJson(string Token);
}
