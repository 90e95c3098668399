using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PollyBreakerExt;

/// <summary>
/// One message on the fleet's channel, or one piece of stored state: compact JSON, optionally signed with HMAC-SHA256.
/// </summary>
/// <remarks>
/// The nonce and the timestamp (Redis' clock as the sender estimates it) make a replay detectable; the signature covers
/// every field, so a message cannot be moved to another breaker or another kind. <see cref="Order"/> is the breaker's
/// version in Redis that the message's script stored (0 for a vote, which changes no state): a replica applies a message
/// or a stored state only when its order is above the one it applied last, and a stored state only while Redis' version
/// still equals its order, so neither a late message nor an old state copied back into Redis undoes a newer one.
/// </remarks>
internal sealed record FleetMessage(FleetMessageKind Kind, string Replica, string Nonce, long Timestamp, string Key, long BreakMilliseconds, long Order)
{
    /// <summary>Anything longer is ignored unread: no real message comes near it.</summary>
    public const int MaxLength = 4096;

    /// <summary>The longest break a message may carry: the core clamps every break to one day, so no replica sends more.</summary>
    public const long MaxBreakMilliseconds = 24 * 60 * 60 * 1000;

    /// <summary>The format: 2 added the order (a replica of format 1 and one of 2 ignore each other's messages as foreign).</summary>
    private const int Version = 2;

    /// <summary>Whether every message of <paramref name="key"/> fits <see cref="MaxLength"/>: measured on the longest one it can have.</summary>
    public static bool Fits(string key, string replica, byte[]? signingKey)
        => Encoding.UTF8.GetByteCount(new FleetMessage(FleetMessageKind.Isolate, replica, new string('0', 24), long.MinValue, key, MaxBreakMilliseconds, long.MaxValue).Serialize(signingKey)) <= MaxLength;

    public static FleetMessage Create(FleetMessageKind kind, string replica, long timestamp, string key, long breakMilliseconds = 0, long order = 0)
        => new(kind, replica, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)), timestamp, key, breakMilliseconds, order);

    public string Serialize(byte[]? signingKey)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        // Relaxed: a breaker key of non-ASCII letters is written as UTF-8, not six bytes of \uXXXX a letter (#20, B5). The
        // output is only ever parsed as JSON, never embedded in HTML; quotes and control characters are still escaped.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("t", KindName(Kind));
            json.WriteString("r", Replica);
            json.WriteString("n", Nonce);
            json.WriteNumber("ts", Timestamp);
            json.WriteString("k", Key);
            json.WriteNumber("b", BreakMilliseconds);
            json.WriteNumber("o", Order);
            if (signingKey is not null)
            {
                json.WriteString("s", Convert.ToBase64String(Sign(signingKey)));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a message; <see langword="null"/> with the reason when it is not one this version of the fleet wrote.</summary>
    public static FleetMessage? TryParse(ReadOnlySpan<byte> utf8, byte[]? signingKey, out string? problem)
    {
        problem = null;
        if (utf8.Length > MaxLength)
        {
            problem = "oversized";
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("v", out var version) || version.ValueKind != JsonValueKind.Number
                || version.GetInt32() != Version)
            {
                problem = "foreign";
                return null;
            }

            var kind = ParseKind(root.GetProperty("t").GetString());
            var message = new FleetMessage(
                kind ?? FleetMessageKind.Vote,
                NonEmpty(root.GetProperty("r").GetString()),
                NonEmpty(root.GetProperty("n").GetString()),
                root.GetProperty("ts").GetInt64(),
                NonEmpty(root.GetProperty("k").GetString()),
                root.GetProperty("b").GetInt64(),
                root.GetProperty("o").GetInt64());
            // Out of range is foreign too: TimeSpan.FromMilliseconds(long.MaxValue) would throw in the subscription handler.
            if (kind is null || message.BreakMilliseconds is < 0 or > MaxBreakMilliseconds || message.Order < 0)
            {
                problem = "foreign";
                return null;
            }

            if (signingKey is not null)
            {
                var signature = root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (signature is null || !TryFromBase64(signature, out var bytes)
                    || !CryptographicOperations.FixedTimeEquals(bytes, message.Sign(signingKey)))
                {
                    problem = "unsigned or badly signed";
                    return null;
                }
            }

            return message;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            problem = "malformed";
            return null;
        }
    }

    private static string NonEmpty(string? value) => string.IsNullOrEmpty(value) ? throw new FormatException("empty field") : value;

    private static bool TryFromBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    private static string KindName(FleetMessageKind kind) => kind switch
    {
        FleetMessageKind.Vote => "vote",
        FleetMessageKind.Open => "open",
        FleetMessageKind.Closed => "closed",
        FleetMessageKind.Isolate => "isolate",
        FleetMessageKind.Lease => "lease",
        _ => "close",
    };

    private static FleetMessageKind? ParseKind(string? name) => name switch
    {
        "vote" => FleetMessageKind.Vote,
        "open" => FleetMessageKind.Open,
        "closed" => FleetMessageKind.Closed,
        "isolate" => FleetMessageKind.Isolate,
        "close" => FleetMessageKind.Close,
        "lease" => FleetMessageKind.Lease,
        _ => null,
    };

    private byte[] Sign(byte[] signingKey)
    {
        // Lengths before the free-text fields, so that no two messages sign the same text.
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{Version}|{KindName(Kind)}|{Replica.Length}:{Replica}|{Nonce.Length}:{Nonce}|{Timestamp}|{Key.Length}:{Key}|{BreakMilliseconds}|{Order}");
        return HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(text));
    }
}
