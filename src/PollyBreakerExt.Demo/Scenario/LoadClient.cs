using System.Globalization;
using System.Net;
using System.Text.Json;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>One simulated user: asks the product API for a product, pauses, asks again, until the scenario ends.</summary>
public sealed class LoadClient
{
    /// <summary>Most requests are for a few popular products (cached early); the rest for rarely seen ones (rarely cached).</summary>
    public const int PopularProducts = 12;

    public const int RareProducts = 988;

    private readonly HttpClient _http;
    private readonly DemoTimings _timings;
    private readonly ScenarioProgress _progress;
    private readonly CallRecorder _recorder;

    public LoadClient(HttpClient http, DemoTimings timings, ScenarioProgress progress, CallRecorder recorder)
    {
        _http = http;
        _timings = timings;
        _progress = progress;
        _recorder = recorder;
    }

    public async Task RunAsync(TimeSpan until, CancellationToken cancellationToken)
    {
        // Spread the clients' first requests over one pause, as real users would.
        await Task.Delay(_timings.ClientThinkTime * Random.Shared.NextDouble(), TimeProvider.System, cancellationToken);

        while (_progress.Elapsed < until)
        {
            var phase = _progress.Phase.Phase;
            var sentAt = _progress.Elapsed;
            var started = TimeProvider.System.GetTimestamp();
            var outcome = await CallAsync(NextProductId(), cancellationToken);
            var latency = TimeProvider.System.GetElapsedTime(started);

            var rejected = outcome is CallOutcome.FromCache or CallOutcome.Unavailable;
            _recorder.Add(new CallSample(sentAt, phase, latency, outcome, Slow: !rejected && latency >= _timings.SlowCallThreshold));

            await Task.Delay(_timings.ClientThinkTime * (0.5 + Random.Shared.NextDouble()), TimeProvider.System, cancellationToken);
        }
    }

    private static int NextProductId()
        => Random.Shared.Next(10) < 9 ? Random.Shared.Next(1, PopularProducts + 1) : Random.Shared.Next(PopularProducts + 1, PopularProducts + RareProducts + 1);

    private async Task<CallOutcome> CallAsync(int id, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(string.Create(CultureInfo.InvariantCulture, $"products/{id}"), cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return CallOutcome.Unavailable;
            }

            if (!response.IsSuccessStatusCode)
            {
                return CallOutcome.Failed;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var product = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return product.RootElement.TryGetProperty("_source", out var source) && source.ValueEquals("cache")
                ? CallOutcome.FromCache
                : CallOutcome.Ok;
        }
        catch (HttpRequestException)
        {
            return CallOutcome.Failed;
        }
    }
}
