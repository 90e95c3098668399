using Polly.Registry;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// One DI pipeline holding a slow-call breaker on a fake clock, and the steps of the scripted trip and recovery the
/// observability tests share.
/// </summary>
/// <remarks>
/// The breaker opens on 2 failures, breaks for 30 s, closes on 1 successful probe, and calls taking 1 s or more are
/// slow (the slow-call ratio never trips it: it needs 10 calls). The pipeline has an instance name, so every signal
/// shows all three of Polly's names.
/// </remarks>
internal sealed class BreakerScript : IAsyncDisposable
{
    public const string StrategyName = "orders-breaker";

    public const string InstanceName = "eu-west";

    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    private ResiliencePipeline? _pipeline;

    public BreakerScript(string pipelineName, Action<IServiceCollection>? configure = null, SlowCallCircuitBreakerManualControl? manualControl = null)
    {
        PipelineName = pipelineName;
        Services = TestServices.Build(Time, services =>
        {
            services.AddResiliencePipeline(pipelineName, builder =>
            {
                builder.InstanceName = InstanceName;
                builder.AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions
                {
                    Name = StrategyName,
                    FailureThreshold = 2,
                    BreakDuration = BreakDuration,
                    SuccessThreshold = 1,
                    SlowCallDurationThreshold = TimeSpan.FromSeconds(1),
                    ManualControl = manualControl,
                });
            });
            configure?.Invoke(services);
        });
    }

    public FakeTimeProvider Time { get; } = new();

    public ServiceProvider Services { get; }

    public string PipelineName { get; }

    public SlowCallCircuitBreakerRegistry Registry => Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();

    /// <summary>Gets the pipeline, building it (and so its breaker) on first use.</summary>
    public ResiliencePipeline Pipeline => _pipeline ??= Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(PipelineName);

    /// <summary>One slow success, one fast success, two failures: the circuit opens with 4 calls, 2 failed, 1 slow in its window.</summary>
    public void Trip()
    {
        Succeed(TimeSpan.FromSeconds(2));
        Succeed();
        Fail();
        Fail();
        Assert.Equal(CircuitState.Open, Breaker().State);
    }

    /// <summary>After the break, one probe that takes <paramref name="probeDuration"/>, during which <paramref name="whileHalfOpen"/> runs.</summary>
    public void Recover(TimeSpan probeDuration, Action? whileHalfOpen = null)
    {
        Time.Advance(BreakDuration);
        Pipeline.Execute(() =>
        {
            Assert.Equal(CircuitState.HalfOpen, Breaker().State);
            Time.Advance(probeDuration);
            whileHalfOpen?.Invoke();
        });
        Assert.Equal(CircuitState.Closed, Breaker().State);
    }

    public void Succeed(TimeSpan duration = default) => Pipeline.Execute(() => Time.Advance(duration));

    public void Fail() => Assert.Throws<InvalidOperationException>(() => Pipeline.Execute(() => throw new InvalidOperationException("down")));

    public void Reject<TException>()
        where TException : BrokenCircuitException
        => Assert.Throws<TException>(() => Pipeline.Execute(() => Assert.Fail("A rejected call must not run.")));

    public SlowCallCircuitBreakerSnapshot Breaker() => Services.Breaker(PipelineName, InstanceName);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
