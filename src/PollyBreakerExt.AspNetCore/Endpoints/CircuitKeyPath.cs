namespace PollyBreakerExt;

/// <summary>
/// Reads <c>{key}/{action}</c> from the rest of a request path. The key is URL-encoded (<c>%2F</c> for a <c>/</c> in it), or
/// given with its slashes as they are: the action is always the last segment.
/// </summary>
internal static class CircuitKeyPath
{
    /// <summary>Keys longer than this are no key of a breaker; refused before any lookup.</summary>
    public const int MaxKeyLength = 2048;

    public static bool IsTooLong(string key) => key.Length > MaxKeyLength;

    public static bool TryParse(string? path, out string key, out string action)
    {
        key = string.Empty;
        action = string.Empty;
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var slash = path.LastIndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
        {
            return false;
        }

        action = path[(slash + 1)..];
        key = Uri.UnescapeDataString(path[..slash]);
        return key.Length > 0;
    }
}
