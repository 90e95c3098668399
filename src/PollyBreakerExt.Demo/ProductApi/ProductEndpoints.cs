using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PollyBreakerExt.Demo.ProductApi;

/// <summary>The reference breaker's example <c>get_product</c> (docs/design.md): call through the breaker, cache on success, answer from the cache when it rejects.</summary>
public static class ProductEndpoints
{
    public static async Task<IResult> GetProductAsync(int id, HttpContext context, IHttpClientFactory clients, ProductCache cache)
    {
        var client = clients.CreateClient(ProductApiApp.ClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"products/{id}"), context.RequestAborted);
        }
        catch (BrokenCircuitException rejected)
        {
            // Open (or half-open with its probes busy, or isolated): the upstream was not called.
            var circuit = rejected is IsolatedCircuitException ? "isolated" : "open";
            if (cache.Get(id) is { } cached)
            {
                cached["_source"] = "cache";
                cached["_circuit"] = circuit;
                return Results.Json(cached);
            }

            if (rejected.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            return Results.Json(new { error = "Product service unavailable", _circuit = circuit }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception failed) when (failed is HttpRequestException or TimeoutRejectedException)
        {
            return UpstreamFailed(failed.GetType().Name);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return Results.NotFound(new { error = $"No product {id}." });
            }

            if (!response.IsSuccessStatusCode)
            {
                return UpstreamFailed($"upstream answered {(int)response.StatusCode} after retries");
            }

            var product = await response.Content.ReadFromJsonAsync<JsonObject>(context.RequestAborted);
            if (product is null)
            {
                return UpstreamFailed("upstream answered no product");
            }

            cache.Set(id, product);
            return Results.Json(product);
        }
    }

    private static IResult UpstreamFailed(string detail)
        => Results.Json(new { error = "Product service failed", detail }, statusCode: StatusCodes.Status502BadGateway);
}
