using Microsoft.Extensions.Http.Resilience;

namespace PollyBreakerExt.Tuner.Tests.Docs;

/// <summary>The snippets of docs/tuning.md, so the documentation keeps compiling.</summary>
/// <remarks>Compiled, not run: they name a host that does not exist here; the recorder is tested in Recording/.</remarks>
internal static class TuningSnippets
{
    public static async Task RecordADay(HttpClient http, CancellationToken cancellationToken)
    {
        // snippet: tuning-recorder
        var breaker = new HttpSlowCallCircuitBreakerStrategyOptions { Name = "payments" };
        await using var recorder = new SlowCallCircuitBreakerRecorder("payments-calls.csv");

        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddSlowCallCircuitBreaker(breaker)
            .AddSlowCallCircuitBreakerRecorder(recorder, breaker.ShouldHandle) // right after the breaker
            .AddRetry(new HttpRetryStrategyOptions { Delay = TimeSpan.FromMilliseconds(100) }) // short: see below
            .Build();
        // end snippet

        using var response = await pipeline.ExecuteAsync(
            async token => await http.GetAsync(new Uri("https://payments.example/charge"), token),
            cancellationToken);
    }
}
