using Polly.Retry;

namespace PollyBreakerExt.Tests.Docs;

/// <summary>The snippets of README.md's quick start, compiled so that the front page keeps building; the behaviour is tested elsewhere.</summary>
internal static class ReadmeSnippets
{
    public static async Task QuickStart()
    {
        // snippet: readme-quick-start
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "payment-api",
                FailureThreshold = 3,                               // 3 failed calls within 60 s open the circuit
                BreakDuration = TimeSpan.FromSeconds(30),
                SlowCallDurationThreshold = TimeSpan.FromSeconds(2),
                SlowCallRatio = 0.5,                                // or half the calls taking 2 s or more
            })
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2 })   // added later = inner
            .Build();

        using var http = new HttpClient { BaseAddress = new Uri("https://payments.example/") };
        try
        {
            var balance = await pipeline.ExecuteAsync(async ct => await http.GetStringAsync("balance", ct));
            Console.WriteLine(balance);
        }
        catch (BrokenCircuitException ex)
        {
            // The circuit is open: the call did not run. Try later; ex.RetryAfter says when a probe may go through.
            Console.WriteLine($"payment-api is unavailable; retry after {ex.RetryAfter}");
        }
        // end snippet
    }

    public static ResiliencePipeline<HttpResponseMessage> GenericPipeline()
    {
        // snippet: readme-generic-pipeline
        var httpPipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => (int)r.StatusCode >= 500),
            })
            .Build();
        // end snippet
        return httpPipeline;
    }
}
