using Polly;
using Polly.CircuitBreaker;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// Builds the pipelines compared, and checks after a run that each breaker stayed in the state its benchmark is about.
/// </summary>
internal static class Pipelines
{
    public static ResiliencePipeline<int> Polly(CircuitBreakerStrategyOptions<int> options, TimeProvider? time = null)
        => new ResiliencePipelineBuilder<int> { TimeProvider = time ?? TimeProvider.System }.AddCircuitBreaker(options).Build();

    public static ResiliencePipeline PollyNonGeneric(CircuitBreakerStrategyOptions options, TimeProvider? time = null)
        => new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }.AddCircuitBreaker(options).Build();

    public static ResiliencePipeline<int> Ours(SlowCallCircuitBreakerStrategyOptions<int> options, TimeProvider? time = null)
        => new ResiliencePipelineBuilder<int> { TimeProvider = time ?? TimeProvider.System }.AddSlowCallCircuitBreaker(options).Build();

    public static ResiliencePipeline OursNonGeneric(SlowCallCircuitBreakerStrategyOptions options, TimeProvider? time = null)
        => new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }.AddSlowCallCircuitBreaker(options).Build();

    /// <summary>
    /// Throws when a breaker left the state its benchmark measures (a closed-path run that tripped measured rejections instead).
    /// Called from [GlobalCleanup], so a dry run in CI checks it too.
    /// </summary>
    public static void Expect(CircuitState expected, CircuitBreakerStateProvider polly, SlowCallCircuitBreakerStateProvider ours)
    {
        if (polly.CircuitState != expected || ours.CircuitState != expected)
        {
            throw new InvalidOperationException(
                $"Expected both breakers {expected}; Polly's is {polly.CircuitState}, ours is {ours.CircuitState}. The numbers measure the wrong path.");
        }
    }

    /// <summary>Fails calls until the breaker opens; BenchmarkDotNet runs this in [GlobalSetup], outside the measurement.</summary>
    public static void Trip(ResiliencePipeline<int> pipeline, Func<CircuitState> state)
    {
        var failure = Outcome.FromException<int>(new InvalidOperationException("tripping the breaker"));
        for (var i = 0; i < 1000 && state() != CircuitState.Open; i++)
        {
            var context = ResilienceContextPool.Shared.Get();
            _ = pipeline.ExecuteOutcomeAsync(static (_, f) => new ValueTask<Outcome<int>>(f), context, failure).AsTask().GetAwaiter().GetResult();
            ResilienceContextPool.Shared.Return(context);
        }

        if (state() != CircuitState.Open)
        {
            throw new InvalidOperationException("The breaker did not open.");
        }
    }
}
