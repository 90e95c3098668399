using System.Text.Json;
using System.Text.Json.Serialization;

namespace PollyBreakerExt;

/// <summary>
/// How the endpoints write JSON, generated at build time so that it is trimming- and native-AOT-safe: camelCase, enums by
/// name (<c>"Open"</c>), whatever the app's own JSON options say. A breaker is written by its own converter, the shape the
/// health report writer uses too.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<SlowCallCircuitBreakerStatus>))]
[JsonSerializable(typeof(CircuitSnapshotJson))]
[JsonSerializable(typeof(CircuitHistoryJson))]
[JsonSerializable(typeof(CircuitTransitionJson))]
[JsonSerializable(typeof(CircuitTransitionJson[]))]
internal sealed partial class CircuitEndpointsJsonContext : JsonSerializerContext;
