using System.Net;

namespace PollyBreakerExt.Chaos.Tests;

/// <summary>
/// The core breaker around a plain <see cref="HttpClient"/> calling a real Kestrel upstream that injects faults and
/// latency. Real time: margins are generous and every loop is bounded.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.")]
public sealed class KestrelChaosTests : IAsyncLifetime
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromMilliseconds(500);

    private readonly SlowCallCircuitBreakerStateProvider _provider = new();
    private readonly List<CircuitStateChangedArguments> _transitions = [];
    private ChaosUpstream _upstream = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstream = await ChaosUpstream.StartAsync();
        _client = new HttpClient { BaseAddress = _upstream.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData(UpstreamMode.ServerError)]
    [InlineData(UpstreamMode.Abort)]
    public async Task A_faulty_upstream_opens_the_breaker_at_the_threshold_it_is_spared_while_open_and_recovery_follows(UpstreamMode fault)
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 3);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(pipeline)).Result!.StatusCode);

        _upstream.Mode = fault;
        for (var call = 1; call <= 3; call++)
        {
            Assert.Equal(CircuitState.Closed, _provider.CircuitState);
            var outcome = await SendAsync(pipeline);
            Assert.True(outcome.Exception is HttpRequestException || outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable, outcome.ToString());
        }

        Assert.Equal(CircuitState.Open, _provider.CircuitState);
        Assert.Equal(CircuitTransitionReason.FailureThreshold, Assert.Single(_transitions).Reason);

        var reached = _upstream.Requests;
        for (var i = 0; i < 10; i++)
        {
            Assert.IsType<BrokenCircuitException>((await SendAsync(pipeline)).Exception);
        }

        Assert.Equal(reached, _upstream.Requests);

        _upstream.Mode = UpstreamMode.Healthy;
        await RecoverAsync(pipeline);
    }

    [Fact]
    public async Task A_slow_upstream_opens_the_breaker_on_the_slow_call_ratio_and_a_fast_one_closes_it()
    {
        var pipeline = Pipeline(o =>
        {
            o.SlowCallDurationThreshold = TimeSpan.FromMilliseconds(500);
            o.SlowCallRatio = 1.0;
            o.MinimumThroughput = 3;
        });

        _upstream.Mode = UpstreamMode.Slow;
        _upstream.Latency = TimeSpan.FromSeconds(1.5);
        var calls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(pipeline)));

        Assert.All(calls, outcome => Assert.Equal(HttpStatusCode.OK, outcome.Result!.StatusCode));
        Assert.Equal(CircuitState.Open, _provider.CircuitState);
        Assert.Equal(new CircuitMetrics(3, 0, 3, 0, 1), _provider.Metrics);
        Assert.Equal(CircuitTransitionReason.SlowCallRatio, Assert.Single(_transitions).Reason);

        _upstream.Mode = UpstreamMode.Healthy;
        await RecoverAsync(pipeline);
    }

    [Fact]
    public async Task Half_of_the_requests_cancelled_mid_flight_neither_trip_nor_wedge_the_breaker()
    {
        var pipeline = Pipeline(o =>
        {
            o.FailureThreshold = 1;
            o.SlowCallDurationThreshold = TimeSpan.FromSeconds(5);
            o.SlowCallRatio = 0.01;
            o.MinimumThroughput = 1;
        });
        _upstream.Latency = TimeSpan.FromSeconds(20);

        // Ten requests to the slow path are cancelled by their callers after 200 ms; ten others complete.
        var requests = Enumerable.Range(0, 20).Select(async i =>
        {
            if (i % 2 == 0)
            {
                return await SendAsync(pipeline);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            return await SendAsync(pipeline, "/slow", cts.Token);
        });
        var outcomes = await Task.WhenAll(requests);

        Assert.Equal(10, outcomes.Count(o => o.Exception is OperationCanceledException));
        Assert.Equal(10, outcomes.Count(o => o.Result?.StatusCode == HttpStatusCode.OK));
        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
        Assert.Equal(new CircuitMetrics(10, 0, 0, 0, 0), _provider.Metrics);
        Assert.Empty(_transitions);
    }

    [Fact]
    public async Task Cancelled_probes_against_a_real_upstream_release_their_permits()
    {
        var pipeline = Pipeline(o =>
        {
            o.FailureThreshold = 1;
            o.SuccessThreshold = 2;
        });
        _upstream.Mode = UpstreamMode.ServerError;
        await SendAsync(pipeline);
        Assert.Equal(CircuitState.Open, _provider.CircuitState);
        _upstream.Mode = UpstreamMode.Healthy;
        _upstream.Latency = TimeSpan.FromSeconds(20);
        await Task.Delay(BreakDuration + TimeSpan.FromMilliseconds(100));

        // Both probes go to the slow path and are cancelled mid-flight; they must leave the probe slots free.
        var probes = Enumerable.Range(0, 2).Select(async _ =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            return await SendAsync(pipeline, "/slow", cts.Token);
        }).ToList();
        Assert.IsType<BrokenCircuitException>((await SendAsync(pipeline)).Exception);
        Assert.All(await Task.WhenAll(probes), o => Assert.IsAssignableFrom<OperationCanceledException>(o.Exception));

        Assert.Equal(CircuitState.HalfOpen, _provider.CircuitState);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(pipeline)).Result!.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(pipeline)).Result!.StatusCode);
        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
    }

    private ResiliencePipeline<HttpResponseMessage> Pipeline(Action<SlowCallCircuitBreakerStrategyOptions<HttpResponseMessage>> configure)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            Name = "kestrel-upstream",
            FailureThreshold = null,
            SlowCallDurationThreshold = null,
            FailureRatio = null,
            MinimumThroughput = 10,
            BreakDuration = BreakDuration,
            SuccessThreshold = 1,
            StateProvider = _provider,
            ShouldHandle = args => new(args.Outcome.Exception is HttpRequestException || (int?)args.Outcome.Result?.StatusCode >= 500),
            OnStateChanged = args =>
            {
                lock (_transitions)
                {
                    _transitions.Add(args);
                }

                return default;
            },
        };
        configure(options);
        return new ResiliencePipelineBuilder<HttpResponseMessage>().AddSlowCallCircuitBreaker(options).Build();
    }

    private async Task<Outcome<HttpResponseMessage>> SendAsync(ResiliencePipeline<HttpResponseMessage> pipeline, string path = "/", CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await pipeline.ExecuteOutcomeAsync(
                async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Client.GetAsync(state.Path, ctx.CancellationToken));
                    }
                    catch (Exception exception)
                    {
                        return Outcome.FromException<HttpResponseMessage>(exception);
                    }
                },
                context,
                (Client: _client, Path: path));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Waits out the break (bounded) until a healthy call closes the breaker.</summary>
    private async Task RecoverAsync(ResiliencePipeline<HttpResponseMessage> pipeline)
    {
        for (var attempt = 0; attempt < 40 && _provider.CircuitState != CircuitState.Closed; attempt++)
        {
            await Task.Delay(BreakDuration / 4);
            await SendAsync(pipeline);
        }

        Assert.Equal(CircuitState.Closed, _provider.CircuitState);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(pipeline)).Result!.StatusCode);
    }
}
