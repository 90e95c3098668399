using System.Text.Json;

namespace PollyBreakerExt.AspNetCore.Tests.Utils;

/// <summary>Reads server-sent events off an open response, one event (name and JSON data) at a time.</summary>
internal sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public HttpResponseMessage Response => _response;

    public static async Task<SseReader> OpenAsync(HttpClient client, string path, CancellationToken cancellationToken = default)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new SseReader(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>Reads the next event that has data; null when the server ended the stream.</summary>
    public async Task<(string Name, JsonElement Data)?> NextAsync(CancellationToken cancellationToken = default)
    {
        string name = "message";
        string? data = null;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return (name, JsonDocument.Parse(data).RootElement);
                }

                name = "message";
                continue;
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        return null;
    }

    /// <summary>Reads until an event of this name arrives.</summary>
    public async Task<JsonElement> NextAsync(string name, CancellationToken cancellationToken = default)
    {
        while (await NextAsync(cancellationToken) is { } next)
        {
            if (next.Name == name)
            {
                return next.Data;
            }
        }

        throw new EndOfStreamException($"The stream ended before a '{name}' event.");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
