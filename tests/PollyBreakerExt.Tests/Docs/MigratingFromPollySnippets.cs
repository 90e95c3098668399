namespace PollyBreakerExt.Tests.Docs;

/// <summary>The before and after of docs/migrating-from-polly.md, compiled.</summary>
internal static class MigratingFromPollySnippets
{
    public static ResiliencePipeline Before()
    {
        // snippet: migrating-before
        var stateProvider = new CircuitBreakerStateProvider();
        var manualControl = new CircuitBreakerManualControl();
        var pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                Name = "payments-breaker",
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
                StateProvider = stateProvider,
                ManualControl = manualControl,
                OnOpened = args => ValueTask.CompletedTask,
            })
            .Build();
        // end snippet
        return pipeline;
    }

    public static ResiliencePipeline After()
    {
        // snippet: migrating-after
        var stateProvider = new SlowCallCircuitBreakerStateProvider();
        var manualControl = new SlowCallCircuitBreakerManualControl();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "payments-breaker",
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
                StateProvider = stateProvider,
                ManualControl = manualControl,
                OnOpened = args => ValueTask.CompletedTask,
                // Polly's behaviour for the three options whose defaults differ:
                FailureThreshold = null,            // ratio only (default: 5 failures in the window also open it)
                SlowCallDurationThreshold = null,   // no slow-call detection (default: calls of 10 s or more are slow)
                SuccessThreshold = 1,               // one probe, one success closes (default: 2)
            })
            .Build();
        // end snippet
        return pipeline;
    }
}
