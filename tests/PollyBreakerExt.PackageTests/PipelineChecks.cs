using System.ComponentModel.DataAnnotations;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace PollyBreakerExt.PackageTests;

/// <summary>The core package on a plain pipeline: breaker outside retry, a trip, a rejection, bad options refused.</summary>
internal static class PipelineChecks
{
    public static async Task BreakerOutsideRetryTripsAndRejects()
    {
        var state = new SlowCallCircuitBreakerStateProvider();
        var reasons = new List<CircuitTransitionReason>();
        var pipeline = new ResiliencePipelineBuilder()
            .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
            {
                Name = "consumer-pipeline",
                FailureThreshold = 2,
                BreakDuration = TimeSpan.FromMinutes(1),
                StateProvider = state,
                OnStateChanged = args =>
                {
                    reasons.Add(args.Reason);
                    return default;
                },
            })
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero })
            .Build();

        var attempts = 0;
        void Failing()
        {
            attempts++;
            throw new InvalidOperationException("the dependency failed");
        }

        for (var call = 1; call <= 2; call++)
        {
            await Checks.ExpectThrows<InvalidOperationException>(() => Task.Run(() => pipeline.Execute(Failing)), $"call {call}");
        }

        Checks.Expect(6, attempts, "attempts of two calls with two retries each");
        Checks.Expect(CircuitState.Open, state.CircuitState, "state after two failed calls");
        Checks.Expect(2, state.Metrics.Failures, "failures in the window");
        Checks.Expect(CircuitTransitionReason.FailureThreshold, reasons.Single(), "transition reason");

        var rejected = await Checks.ExpectThrows<BrokenCircuitException>(() => Task.Run(() => pipeline.Execute(Failing)), "call on the open circuit");
        Checks.Expect(6, attempts, "attempts after the rejection (the rejected call must not run)");
        if (rejected.RetryAfter is not { } retryAfter || retryAfter <= TimeSpan.Zero || retryAfter > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"RetryAfter should be within the 1-minute break, was {rejected.RetryAfter}");
        }

        if (!rejected.Message.Contains("consumer-pipeline", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the rejection should name the breaker: {rejected.Message}");
        }
    }

    public static async Task BadOptionsAreRefusedByName()
    {
        var error = await Checks.ExpectThrows<ValidationException>(
            () => Task.Run(() => new ResiliencePipelineBuilder()
                .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { SlowCallRatio = 2 })
                .Build()),
            "SlowCallRatio = 2");
        if (!error.Message.Contains("SlowCallRatio", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the error should name SlowCallRatio: {error.Message}");
        }
    }
}
