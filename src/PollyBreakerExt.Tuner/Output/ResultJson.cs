using System.Text.Json;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;

namespace PollyBreakerExt.Tuner.Output;

/// <summary>The W5 JSON result of a candidate: options, calls, admitted, rejected, rejectedSuccesses, admittedFailures, opens, timeOpenMs, firstOpenMs.</summary>
internal static class ResultJson
{
    public static string One(CandidateOptions candidate, ReplayResult result) => Write(writer => WriteResult(writer, candidate, result));

    /// <summary>A sweep's rows, best first; a row without a candidate is the no-breaker baseline, written with <c>"options": null</c>.</summary>
    public static string Many(IEnumerable<(CandidateOptions? Candidate, ReplayResult Result)> ranked)
        => Write(writer =>
        {
            writer.WriteStartArray();
            foreach (var (candidate, result) in ranked)
            {
                WriteResult(writer, candidate, result);
            }

            writer.WriteEndArray();
        });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteResult(Utf8JsonWriter writer, CandidateOptions? candidate, ReplayResult result)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("options");
        if (candidate is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(candidate.Json);
        }

        writer.WriteNumber("calls", result.Calls);
        writer.WriteNumber("admitted", result.Admitted);
        writer.WriteNumber("rejected", result.Rejected);
        writer.WriteNumber("rejectedSuccesses", result.RejectedSuccesses);
        writer.WriteNumber("admittedFailures", result.AdmittedFailures);
        writer.WriteNumber("opens", result.Opens);
        writer.WriteNumber("timeOpenMs", result.TimeOpenMs);
        if (result.FirstOpenMs is { } first)
        {
            writer.WriteNumber("firstOpenMs", first);
        }
        else
        {
            writer.WriteNull("firstOpenMs");
        }

        writer.WriteEndObject();
    }
}
