using System.Text.Json;
using System.Text.Json.Serialization;

namespace PollyBreakerExt;

/// <summary>How the endpoints write JSON: camelCase, enums by name (<c>"Open"</c>), whatever the app's own JSON options say.</summary>
internal static class CircuitEndpointsJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
