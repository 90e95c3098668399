using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;

namespace PollyBreakerExt.Demo.ProductApi;

/// <summary>The reference breaker's example <c>cache.set(f"product:{id}", product, ex=3600)</c>: the last good answer per product, kept an hour.</summary>
public sealed class ProductCache
{
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    private readonly IMemoryCache _cache;

    public ProductCache(IMemoryCache cache) => _cache = cache;

    public void Set(int id, JsonObject product) => _cache.Set(Key(id), product.ToJsonString(), Expiry);

    /// <summary>Gets a fresh copy of the cached product, to be marked by the caller.</summary>
    public JsonObject? Get(int id)
        => _cache.TryGetValue(Key(id), out string? json) && json is not null ? JsonNode.Parse(json)?.AsObject() : null;

    private static string Key(int id) => string.Create(CultureInfo.InvariantCulture, $"product:{id}");
}
