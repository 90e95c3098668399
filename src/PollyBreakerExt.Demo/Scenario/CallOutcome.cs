namespace PollyBreakerExt.Demo.Scenario;

/// <summary>What a client got from <c>GET /products/{id}</c>.</summary>
public enum CallOutcome
{
    /// <summary>The product, from the upstream.</summary>
    Ok,

    /// <summary>The upstream failed (502 after the retries) or the request failed.</summary>
    Failed,

    /// <summary>The breaker rejected the call and the product came from the cache (<c>"_source": "cache"</c>).</summary>
    FromCache,

    /// <summary>The breaker rejected the call and nothing was cached: 503.</summary>
    Unavailable,
}
