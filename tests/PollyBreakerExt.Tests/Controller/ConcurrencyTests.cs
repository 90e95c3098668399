using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>Semantics rule 8: thread-safe, the probe cap holds exactly, no recorded call is lost.</summary>
public class ConcurrencyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Sixty_four_callers_at_the_start_of_half_open_admit_exactly_SuccessThreshold_probes(int successThreshold)
    {
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: successThreshold));
        breaker.Fail();
        breaker.Advance(TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource<Outcome<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var start = new Barrier(64);
        var admitted = 0;

        var callers = Enumerable.Range(0, 64).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return breaker.RunAsync(_ =>
                {
                    Interlocked.Increment(ref admitted);
                    return new ValueTask<Outcome<int>>(release.Task);
                }).AsTask();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToList();

        await WaitUntil(() => Volatile.Read(ref admitted) + callers.Count(c => c.IsCompleted) == 64);
        Assert.Equal(successThreshold, Volatile.Read(ref admitted));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        release.SetResult(Outcome.FromResult(1));
        var outcomes = await Task.WhenAll(callers);

        Assert.Equal(64 - successThreshold, outcomes.Count(o => o.Exception is BrokenCircuitException));
        Assert.Equal(successThreshold, outcomes.Count(o => o.Exception is null));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Theory]
    [InlineData(SlidingWindowType.CountBased)]
    [InlineData(SlidingWindowType.TimeBased)]
    public async Task Parallel_callers_lose_no_recorded_call(SlidingWindowType windowType)
    {
        const int Callers = 8;
        const int CallsEach = 5_000;
        var breaker = new Breaker(NewOptions(
            failureThreshold: Callers * CallsEach,
            slowCallDurationThreshold: TimeSpan.FromHours(1),
            minimumThroughput: Callers * CallsEach,
            windowType: windowType,
            slidingWindowSize: Callers * CallsEach));
        var failures = 0;

        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < CallsEach; i++)
            {
                var fail = (i + caller) % 3 == 0;
                if (fail)
                {
                    Interlocked.Increment(ref failures);
                }

                await breaker.RunAsync(_ => fail
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException())
                    : Outcome.FromResultAsValueTask(1));
            }
        })));

        var metrics = breaker.Metrics;
        Assert.Equal(Callers * CallsEach, metrics.Calls);
        Assert.Equal(failures, metrics.Failures);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Parallel_failures_open_the_circuit_exactly_once()
    {
        var opened = 0;
        var options = NewOptions(failureThreshold: 5, breakDuration: TimeSpan.FromMinutes(5));
        options.OnOpened = _ =>
        {
            Interlocked.Increment(ref opened);
            return default;
        };
        var breaker = new Breaker(options);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await breaker.RunAsync(_ => Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException()));
            }
        })));

        Assert.Equal(1, opened);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Round_after_round_of_concurrent_probes_the_cap_holds_and_the_outcome_decides()
    {
        const int SuccessThreshold = 3;
        const int Callers = 16;
        var breaker = new Breaker(NewOptions(failureThreshold: 1, successThreshold: SuccessThreshold));
        var random = new Random(42);

        for (var round = 0; round < 25; round++)
        {
            while (breaker.State != CircuitState.Open)
            {
                breaker.Advance(TimeSpan.FromSeconds(30));
                breaker.Fail();
            }

            breaker.Advance(TimeSpan.FromSeconds(30));
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var planned = Enumerable.Range(0, Callers).Select(_ => random.Next(5)).ToArray(); // 0: fail, 1: cancelled, else succeed
            var admitted = new List<int>();
            using var start = new Barrier(Callers);

            var callers = Enumerable.Range(0, Callers).Select(i => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    using var cts = new CancellationTokenSource();
                    return breaker.RunAsync(
                        async _ =>
                        {
                            lock (admitted)
                            {
                                admitted.Add(i);
                            }

                            await release.Task;
                            switch (planned[i])
                            {
                                case 0:
                                    return Outcome.FromException<int>(new InvalidOperationException());
                                case 1:
                                    await cts.CancelAsync();
                                    return Outcome.FromException<int>(new OperationCanceledException(cts.Token));
                                default:
                                    return Outcome.FromResult(1);
                            }
                        },
                        cts.Token).AsTask().GetAwaiter().GetResult();
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToList();

            await WaitUntil(() => AdmittedCount(admitted) + callers.Count(c => c.IsCompleted) == Callers);
            Assert.Equal(SuccessThreshold, AdmittedCount(admitted));

            release.SetResult();
            await Task.WhenAll(callers);

            var probes = admitted.Select(i => planned[i]).ToList();
            var expected = probes.Contains(0) ? CircuitState.Open
                : probes.Count(p => p >= 2) == SuccessThreshold ? CircuitState.Closed
                : CircuitState.HalfOpen;
            Assert.Equal(expected, breaker.State);
        }
    }

    private static int AdmittedCount(List<int> admitted)
    {
        lock (admitted)
        {
            return admitted.Count;
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the callers");
            await Task.Yield();
        }
    }
}
