using System.Text.Json;
using System.Text.Json.Serialization;

namespace PollyBreakerExt;

/// <summary>
/// Writes <see cref="SlowCallCircuitBreakerStatus"/> in its one JSON shape, by hand: property names and enum names do not
/// follow the serializer's options, so every endpoint prints the same object, and nothing here needs reflection.
/// </summary>
public sealed class SlowCallCircuitBreakerStatusJsonConverter : JsonConverter<SlowCallCircuitBreakerStatus>
{
    /// <summary>Not supported: the status is written for operators, never read back.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="typeToConvert">The type.</param>
    /// <param name="options">The options.</param>
    /// <returns>Nothing: it throws.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override SlowCallCircuitBreakerStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException($"{nameof(SlowCallCircuitBreakerStatus)} is written for operators, not read back.");

    /// <summary>Writes <paramref name="value"/> as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The breaker's status.</param>
    /// <param name="options">Ignored: the shape is fixed.</param>
    public override void Write(Utf8JsonWriter writer, SlowCallCircuitBreakerStatus value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        WriteObject(writer, value);
    }

    /// <summary>Writes the status's object: the one place its shape is written.</summary>
    internal static void WriteObject(Utf8JsonWriter writer, SlowCallCircuitBreakerStatus value)
    {
        writer.WriteStartObject();
        writer.WriteString("key", value.Key);
        writer.WriteString("pipelineName", value.PipelineName);
        writer.WriteString("instanceName", value.InstanceName);
        writer.WriteString("strategyName", value.StrategyName);
        writer.WriteString("state", value.State.ToString());
        writer.WriteString("lastReason", value.LastReason?.ToString());
        writer.WriteString("stateSince", value.StateSince);
        WriteNullable(writer, "openSince", value.OpenSince);
        WriteNullable(writer, "retryAfterMs", value.RetryAfterMs);
        writer.WriteStartObject("metrics");
        writer.WriteNumber("calls", value.Metrics.Calls);
        writer.WriteNumber("failures", value.Metrics.Failures);
        writer.WriteNumber("slowCalls", value.Metrics.SlowCalls);
        writer.WriteNumber("failureRatio", value.Metrics.FailureRatio);
        writer.WriteNumber("slowCallRatio", value.Metrics.SlowCallRatio);
        writer.WriteEndObject();
        writer.WriteNumber("rejectedCalls", value.RejectedCalls);
        if (value.FleetReplicaId is { } replicaId)
        {
            writer.WriteStartObject("fleet");
            writer.WriteString("replicaId", replicaId);
            writer.WriteBoolean("connected", value.FleetConnected);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("fleet");
        }

        if (value.BreakerKey is { } breakerKey)
        {
            writer.WriteString("breakerKey", breakerKey);
        }

        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            writer.WriteString(name, at);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
