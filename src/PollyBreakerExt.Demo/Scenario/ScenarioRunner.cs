using Polly.CircuitBreaker;
using PollyBreakerExt.Demo.ProductApi;
using PollyBreakerExt.Demo.Reporting;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Scenario;

/// <summary>
/// The scripted scenario: starts the upstream and the product API on loopback, drives concurrent clients through the
/// phases healthy → slow → failing → recovered, and records every call, the breaker's state over time and its transitions.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(DemoOptions options, IScenarioReporter reporter, CancellationToken cancellationToken)
    {
        var timings = new DemoTimings(options.Speed);
        var behavior = new UpstreamBehavior(timings);
        await using var upstream = await UpstreamServer.StartAsync(behavior, cancellationToken);

        var transitions = new BreakerTransitionLog();
        var api = ProductApiApp.Build(url: null, upstream.Address, timings, transitions);
        await api.StartAsync(cancellationToken);
        try
        {
            var registry = api.Services.GetRequiredService<SlowCallCircuitBreakerRegistry>();
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = LoopbackWebApp.GetAddress(api), Timeout = TimeSpan.FromSeconds(60) };
            reporter.Starting(options, timings, http.BaseAddress, upstream.Address);

            await WarmUpAsync(http, registry, cancellationToken);

            var phases = PlannedPhase.Plan(options.WallDuration);
            var recorder = new CallRecorder();
            var timeline = new List<TimelineSample>();
            var startedAt = TimeProvider.System.GetTimestamp();
            var progress = new ScenarioProgress(options, phases, recorder, transitions, startedAt);

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var following = reporter.FollowAsync(progress, completion.Task);
            transitions.Start(startedAt);
            try
            {
                await DriveAsync(options, timings, behavior, registry, http, progress, recorder, timeline, cancellationToken);
                completion.SetResult();
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
                throw;
            }
            finally
            {
                await following;
            }

            var calls = recorder.Snapshot();
            var elapsed = calls.Count == 0 ? progress.Elapsed : calls.Max(call => call.CompletedAt);
            return new ScenarioResult(options, timings, phases, calls, timeline, transitions.Snapshot(), elapsed);
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await api.StopAsync(timeout.Token);
            await api.DisposeAsync();
        }
    }

    private static async Task DriveAsync(
        DemoOptions options,
        DemoTimings timings,
        UpstreamBehavior behavior,
        SlowCallCircuitBreakerRegistry registry,
        HttpClient http,
        ScenarioProgress progress,
        CallRecorder recorder,
        List<TimelineSample> timeline,
        CancellationToken cancellationToken)
    {
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        behavior.Phase = progress.Phases[0].Phase;
        progress.StartPhase(progress.Phases[0]);

        var sampler = SampleAsync(timings, registry, progress, timeline, stopSampling.Token);
        var clients = Enumerable.Range(0, options.Clients)
            .Select(_ => new LoadClient(http, timings, progress, recorder).RunAsync(options.WallDuration, cancellationToken))
            .ToArray();

        foreach (var phase in progress.Phases)
        {
            if (phase != progress.Phases[0])
            {
                behavior.Phase = phase.Phase;
                progress.StartPhase(phase);
            }

            var wait = phase.End - progress.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TimeProvider.System, cancellationToken);
            }
        }

        await Task.WhenAll(clients);
        await stopSampling.CancelAsync();
        try
        {
            await sampler;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        lock (timeline)
        {
            timeline.Add(Sample(registry, progress));
        }
    }

    private static async Task SampleAsync(
        DemoTimings timings,
        SlowCallCircuitBreakerRegistry registry,
        ScenarioProgress progress,
        List<TimelineSample> timeline,
        CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(timings.SampleInterval, TimeProvider.System);
        do
        {
            var sample = Sample(registry, progress);
            progress.Breaker = sample;
            lock (timeline)
            {
                timeline.Add(sample);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private static TimelineSample Sample(SlowCallCircuitBreakerRegistry registry, ScenarioProgress progress)
    {
        var breaker = registry.GetBreakers().FirstOrDefault(b => b.PipelineName == ProductApiApp.PipelineName);
        return breaker is null
            ? new TimelineSample(progress.Elapsed, CircuitState.Closed, default, null)
            : new TimelineSample(progress.Elapsed, breaker.State, breaker.Metrics, breaker.RetryAfter);
    }

    /// <summary>
    /// Sends a few requests for products the scenario never asks for, so that JIT compilation and connection setup do not
    /// count as slow calls, then closes the breaker, which clears its window.
    /// </summary>
    private static async Task WarmUpAsync(HttpClient http, SlowCallCircuitBreakerRegistry registry, CancellationToken cancellationToken)
    {
        const int FirstWarmUpProduct = 9_000;
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(FirstWarmUpProduct, 8).Select(async id =>
            {
                using var response = await http.GetAsync($"products/{id}", cancellationToken);
            }));
        }

        await registry.CloseAsync(ProductApiApp.PipelineName, cancellationToken: cancellationToken);
    }
}
