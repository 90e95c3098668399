using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests;

/// <summary>
/// With FailureRatio and SlowCallDurationThreshold off, the breaker behaves call for call like the reference breaker (docs/design.md)
/// on any sequential trace: same result, same state after, same transitions.
/// </summary>
public class SeedEquivalenceTests
{
    private const int TracesPerBatch = 40;

    public static TheoryData<int> Batches => new() { 0, 1, 2, 3, 4, 5, 6, 7 };

    [Theory]
    [MemberData(nameof(Batches))]
    public void Agrees_with_the_seed_breaker_on_random_traces(int batch)
    {
        for (var trace = 0; trace < TracesPerBatch; trace++)
        {
            RunTrace(seed: (batch * TracesPerBatch) + trace);
        }
    }

    [Fact]
    public void Agrees_on_the_seed_documents_own_tests()
    {
        // test_circuit_trips_after_threshold: threshold 3, three failures open, the next call is rejected.
        var model = new SeedModel(failureThreshold: 3, successThreshold: 2, timeout: 30_000, windowSize: 60_000);
        var breaker = NewBreaker(failureThreshold: 3, successThreshold: 2, timeoutMs: 30_000, windowMs: 60_000);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SeedModel.Result.Failed, model.Call(0, fails: true));
            Assert.IsType<InvalidOperationException>(breaker.Fail().Exception);
        }

        Assert.Equal(CircuitState.Open, model.State);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(SeedModel.Result.Rejected, model.Call(0, fails: true));
        Assert.IsType<BrokenCircuitException>(breaker.Fail().Exception);

        // test_circuit_recovers_in_half_open: threshold 2, timeout 0.1 s, success threshold 1; after 0.15 s one success closes.
        model = new SeedModel(failureThreshold: 2, successThreshold: 1, timeout: 100, windowSize: 60_000);
        breaker = NewBreaker(failureThreshold: 2, successThreshold: 1, timeoutMs: 100, windowMs: 60_000);
        model.Call(0, fails: true);
        model.Call(0, fails: true);
        breaker.Fail();
        breaker.Fail();
        breaker.Advance(TimeSpan.FromMilliseconds(150));

        Assert.Equal(SeedModel.Result.Ok, model.Call(150, fails: false));
        Assert.Equal(42, breaker.Succeed().Result);
        Assert.Equal(CircuitState.Closed, model.State);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private static void RunTrace(int seed)
    {
        var random = new Random(seed);
        var failureThreshold = random.Next(1, 6);
        var successThreshold = random.Next(1, 4);
        var timeoutMs = random.Next(1, 8) * 500;
        var windowMs = random.Next(1, 12) * 500;
        var failureProbability = random.NextDouble();

        var model = new SeedModel(failureThreshold, successThreshold, timeoutMs, windowMs);
        var breaker = NewBreaker(failureThreshold, successThreshold, timeoutMs, windowMs);
        long now = 0;

        for (var step = 0; step < 120; step++)
        {
            long advance = random.Next(8) switch
            {
                0 => 0,
                1 => windowMs,                       // a failure exactly one window old
                2 => timeoutMs,                      // exactly at the end of the break
                3 => timeoutMs - 1,
                4 => windowMs + 1,
                5 => 1,
                _ => random.Next(0, Math.Max(windowMs, timeoutMs) * 2),
            };
            now += advance;
            breaker.Advance(TimeSpan.FromMilliseconds(advance));
            var fails = random.NextDouble() < failureProbability;

            var transitionsBefore = breaker.Transitions.Count;
            var modelTransitionsBefore = model.Transitions.Count;
            var expected = model.Call(now, fails);
            var actual = Classify(breaker.Run(TimeSpan.Zero, fails));

            var where = $"seed {seed}, step {step}, t={now}ms, fails={fails}, threshold={failureThreshold}, success={successThreshold}, timeout={timeoutMs}, window={windowMs}";
            Assert.True(expected == actual, $"result {actual}, seed breaker {expected} ({where})");
            Assert.True(model.State == breaker.State, $"state {breaker.State}, seed breaker {model.State} ({where})");
            var actualTransitions = breaker.Transitions.Skip(transitionsBefore).Select(t => (t.PreviousState, t.NewState)).ToList();
            var expectedTransitions = model.Transitions.Skip(modelTransitionsBefore).ToList();
            Assert.True(expectedTransitions.SequenceEqual(actualTransitions), $"transitions [{string.Join(", ", actualTransitions)}], seed breaker [{string.Join(", ", expectedTransitions)}] ({where})");
        }
    }

    private static SeedModel.Result Classify(Outcome<int> outcome) => outcome.Exception switch
    {
        null => SeedModel.Result.Ok,
        BrokenCircuitException => SeedModel.Result.Rejected,
        _ => SeedModel.Result.Failed,
    };

    private static Breaker NewBreaker(int failureThreshold, int successThreshold, int timeoutMs, int windowMs) => new(new()
    {
        FailureThreshold = failureThreshold,
        FailureRatio = null,
        SlowCallDurationThreshold = null,
        SuccessThreshold = successThreshold,
        BreakDuration = TimeSpan.FromMilliseconds(timeoutMs),
        SamplingDuration = TimeSpan.FromMilliseconds(windowMs),
    });
}
