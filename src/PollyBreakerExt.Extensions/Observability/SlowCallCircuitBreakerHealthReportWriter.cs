using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PollyBreakerExt;

/// <summary>
/// Writes a health report as JSON, every breaker in the same shape as <c>GET /circuits</c>: for ASP.NET Core's
/// <c>HealthCheckOptions.ResponseWriter</c>, whose default prints only the status. Needs no reflection, so it is safe
/// under trimming and native AOT.
/// </summary>
/// <remarks>
/// The shape: <c>{"status": "Degraded", "totalDurationMs": 0.4, "checks": {"circuit-breakers": {"status": ...,
/// "description": ..., "data": {"{breaker key}": {...as GET /circuits...}}}}}</c>. Data values of other checks are written
/// as JSON strings, numbers or booleans, anything else as its <see cref="object.ToString"/>.
/// </remarks>
public static class SlowCallCircuitBreakerHealthReportWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="body"/> as one JSON object.</summary>
    /// <param name="body">Where to write: the response body.</param>
    /// <param name="report">The health report.</param>
    /// <param name="cancellationToken">Cancels the write (the request's <c>RequestAborted</c>).</param>
    /// <returns>A task that completes once the JSON is written and flushed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="report"/> is <see langword="null"/>.</exception>
    public static async Task WriteAsync(Stream body, HealthReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(report);

        await using var writer = new Utf8JsonWriter(body);
        writer.WriteStartObject();
        writer.WriteString("status", report.Status.ToString());
        writer.WriteNumber("totalDurationMs", report.TotalDuration.TotalMilliseconds);
        writer.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            writer.WriteStartObject(name);
            writer.WriteString("status", entry.Status.ToString());
            writer.WriteString("description", entry.Description);
            writer.WriteStartObject("data");
            foreach (var (key, value) in entry.Data)
            {
                writer.WritePropertyName(key);
                WriteValue(writer, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case SlowCallCircuitBreakerStatus status:
                SlowCallCircuitBreakerStatusJsonConverter.WriteObject(writer, status);
                break;
            case null:
                writer.WriteNullValue();
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
