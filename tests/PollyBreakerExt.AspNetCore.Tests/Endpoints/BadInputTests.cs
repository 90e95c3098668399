using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PollyBreakerExt.AspNetCore.Tests.Endpoints;

/// <summary>
/// Unknown keys, odd characters, huge and malformed paths, commands without the header: each gets a clear status, the
/// server logs no error and no breaker changes.
/// </summary>
public sealed class BadInputTests
{
    private static readonly TestBreaker Orders = new("orders");
    private static readonly TestBreaker Odd = new("odd pipeline ☃", "tenant?a=1&b=2#x", "50% \"quoted\" <b>");

    [Theory]
    [InlineData("circuits/nope/events", HttpStatusCode.NotFound)]
    [InlineData("circuits/orders%2Fbreaker%2F/events", HttpStatusCode.NotFound)]
    [InlineData("circuits/orders/breaker/history", HttpStatusCode.NotFound)] // no such action
    [InlineData("circuits/orders", HttpStatusCode.NotFound)] // a key without an action
    [InlineData("circuits/%00%01/events", HttpStatusCode.BadRequest)] // Kestrel refuses a NUL in the path
    [InlineData("circuits/%E2%98%83/events", HttpStatusCode.NotFound)]
    [InlineData("circuits/%/events", HttpStatusCode.NotFound)] // a lone %: kept as it is, an unknown key
    [InlineData("circuits/%ZZ%2/events", HttpStatusCode.NotFound)]
    [InlineData("circuits/..%2F..%2Fetc%2Fpasswd/events", HttpStatusCode.NotFound)]
    [InlineData("circuits/<script>alert(1)<%2Fscript>/events", HttpStatusCode.NotFound)]
    [InlineData("circuits//events", HttpStatusCode.NotFound)]
    public async Task A_bad_key_or_path_gets_a_clear_status_and_no_error_log(string path, HttpStatusCode expected)
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var get = await app.Client.GetAsync(path);
        using var post = await app.Client.SendAsync(CircuitCommandEndpointTests.Command(HttpMethod.Post, path.Replace("/events", "/isolate", StringComparison.Ordinal)));

        Assert.Equal(expected, get.StatusCode);
        Assert.Equal(expected, post.StatusCode);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task A_key_longer_than_any_breaker_key_is_400()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var response = await app.Client.GetAsync($"circuits/{new string('k', CircuitKeyPath.MaxKeyLength + 1)}/events");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task A_huge_path_is_refused_by_the_server_before_any_endpoint()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var response = await app.Client.GetAsync($"circuits/{new string('k', 100_000)}/events");

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task A_malformed_request_target_is_400_from_the_server()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        // No HttpClient sends this; a raw socket does: a space and a control character in the target.
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, app.Address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /circuits/a b\u0001/events HTTP/1.1\r\nHost: x\r\n\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer);

        Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
        Assert.Empty(app.Errors());
    }

    [Fact]
    public async Task A_breaker_with_odd_characters_in_every_name_is_listed_found_and_steered()
    {
        await using var app = await CircuitsApp.StartAsync([Orders, Odd]);

        using var list = System.Text.Json.JsonDocument.Parse(await app.Client.GetStringAsync("circuits"));
        using var events = await app.Client.GetAsync($"circuits/{Odd.EncodedKey}/events");
        using var isolated = await app.Client.SendAsync(CircuitCommandEndpointTests.Command(HttpMethod.Post, $"circuits/{Odd.EncodedKey}/isolate"));

        Assert.Equal(
            [Orders.Key, "odd pipeline ☃/tenant?a=1&b=2#x/50% \"quoted\" <b>"],
            list.RootElement.EnumerateArray().Select(breaker => breaker.GetProperty("key").GetString()));
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, isolated.StatusCode);
        Assert.Equal(CircuitState.Isolated, app.StateOf(Odd));
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Other_methods_are_405(string method)
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"circuits/{Orders.EncodedKey}/isolate"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
    }

    [Fact]
    public async Task A_flood_of_commands_without_the_header_changes_nothing_and_logs_no_error()
    {
        await using var app = await CircuitsApp.StartAsync([Orders]);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await app.Client.PostAsync($"circuits/{Orders.EncodedKey}/{(i % 2 == 0 ? "isolate" : "close")}", null);
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Forbidden, status));
        Assert.Equal(CircuitState.Closed, app.StateOf(Orders));
        Assert.Empty(app.History.RingsByKey()[Orders.Key].NewestFirst());
        Assert.Empty(app.Errors());
    }
}
