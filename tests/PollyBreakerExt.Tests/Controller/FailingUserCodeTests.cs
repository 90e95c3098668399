using PollyBreakerExt.Tests.Utils;
using static PollyBreakerExt.Tests.Utils.Breaker;

namespace PollyBreakerExt.Tests.Controller;

/// <summary>
/// DESIGN W7, "never wedge", for every place where the user's code runs inside the breaker: listeners, the break
/// generator, the pipeline's TelemetryListener on each of the breaker's events, whether it throws or returns a faulted
/// task. Whatever fails, a healthy dependency gets its calls through again, no call that did not run is counted, and
/// no permit or running slot leaks into a hung-call verdict.
/// </summary>
public class FailingUserCodeTests
{
    private const string Failure = "user code fails";

    private static readonly string[] TelemetryEvents =
    [
        SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened,
        SlowCallCircuitBreakerConstants.OnCircuitClosed, SlowCallCircuitBreakerConstants.OnCircuitRejected,
        SlowCallCircuitBreakerConstants.OnSlowCall, SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed,
        SlowCallCircuitBreakerConstants.OnBreakDurationGeneratorFailed,
    ];

    public static TheoryData<string> Places() =>
    [
        "OnOpened throws", "OnOpened faults", "OnClosed throws", "OnClosed faults", "OnHalfOpened throws", "OnHalfOpened faults",
        "OnStateChanged throws", "OnStateChanged faults", "BreakDurationGenerator throws", "BreakDurationGenerator faults",
        .. TelemetryEvents.Select(name => $"TelemetryListener throws on {name}"),
        "all of them",
    ];

    [Theory]
    [MemberData(nameof(Places))]
    public void Failing_user_code_never_keeps_a_healthy_dependency_out(string place)
    {
        var breaker = BreakerWithFailing(place);

        TripThenCallAHealthyDependency(breaker, place);

        Assert.DoesNotContain(breaker.TransitionSummary(), t => t.Reason == CircuitTransitionReason.HalfOpenProbeSlow);
    }

    public static TheoryData<string> TelemetryOnlyPlaces() =>
    [
        .. TelemetryEvents.Except([SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed, SlowCallCircuitBreakerConstants.OnBreakDurationGeneratorFailed]),
    ];

    /// <summary>
    /// The same with no callback at all, so only telemetry listens: transitions are then raised without the queue and
    /// the gate (issue #19), and a listener throwing there must not leak the permit or the running slot either.
    /// </summary>
    [Theory]
    [MemberData(nameof(TelemetryOnlyPlaces))]
    public void A_throwing_TelemetryListener_without_callbacks_never_keeps_a_healthy_dependency_out(string eventName)
    {
        var options = NewOptions(failureThreshold: 2, breakDuration: TimeSpan.FromSeconds(1), successThreshold: 1, slowCallDurationThreshold: TimeSpan.FromMilliseconds(100));
        var breaker = new Breaker(options, recordTransitions: false);
        breaker.Telemetry.ThrowsOn = new HashSet<string> { eventName };

        TripThenCallAHealthyDependency(breaker, eventName);

        // Every transition was reported, in order: opened, half-opened, closed (a hung-probe reopening would break the chain).
        Assert.Equal(
            [SlowCallCircuitBreakerConstants.OnCircuitOpened, SlowCallCircuitBreakerConstants.OnCircuitHalfOpened, SlowCallCircuitBreakerConstants.OnCircuitClosed],
            breaker.Telemetry.Events.Select(e => e.Name).Where(n => n is SlowCallCircuitBreakerConstants.OnCircuitOpened or SlowCallCircuitBreakerConstants.OnCircuitHalfOpened or SlowCallCircuitBreakerConstants.OnCircuitClosed));
    }

    // One slow call (OnSlowCall), then it leaves the window; two failures open the breaker; then 40 healthy calls, one every
    // 600 ms, must get through the half-open and close it.
    private static void TripThenCallAHealthyDependency(Breaker breaker, string place)
    {
        var ran = 0;
        Call(breaker, fail: false, TimeSpan.FromMilliseconds(200), () => ran++);
        breaker.Advance(TimeSpan.FromSeconds(70));
        Call(breaker, fail: true, TimeSpan.Zero, () => ran++);
        Call(breaker, fail: true, TimeSpan.Zero, () => ran++);
        Assert.Equal(3, ran);
        Assert.Equal(CircuitState.Open, breaker.State);

        ran = 0;
        for (var calls = 0; calls < 40; calls++)
        {
            breaker.Advance(TimeSpan.FromMilliseconds(600));
            Call(breaker, fail: false, TimeSpan.Zero, () => ran++);
        }

        Assert.True(ran >= 34, $"{place}: the healthy dependency ran {ran} times in 40 calls");
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Metrics.Failures); // the close cleared the window, and nothing failed since
        Assert.Equal(0, breaker.Metrics.SlowCalls); // no call that never ran, or gave its slot back, was judged hung
    }

    private static Breaker BreakerWithFailing(string place)
    {
        var all = place == "all of them";
        var options = NewOptions(failureThreshold: 2, breakDuration: TimeSpan.FromSeconds(1), successThreshold: 1, slowCallDurationThreshold: TimeSpan.FromMilliseconds(100));
        var faults = place.EndsWith("faults", StringComparison.Ordinal);
        ValueTask Fail() => faults ? ValueTask.FromException(new InvalidOperationException(Failure)) : throw new InvalidOperationException(Failure);
        if (all || place.StartsWith("OnOpened", StringComparison.Ordinal))
        {
            options.OnOpened = _ => Fail();
        }

        if (all || place.StartsWith("OnClosed", StringComparison.Ordinal))
        {
            options.OnClosed = _ => Fail();
        }

        if (all || place.StartsWith("OnHalfOpened", StringComparison.Ordinal))
        {
            options.OnHalfOpened = _ => Fail();
        }

        if (all || place.StartsWith("OnStateChanged", StringComparison.Ordinal))
        {
            options.OnStateChanged = _ => Fail();
        }

        if (all || place.StartsWith("BreakDurationGenerator", StringComparison.Ordinal) || place.EndsWith(SlowCallCircuitBreakerConstants.OnBreakDurationGeneratorFailed, StringComparison.Ordinal))
        {
            options.BreakDurationGenerator = _ => faults ? ValueTask.FromException<TimeSpan>(new InvalidOperationException(Failure)) : throw new InvalidOperationException(Failure);
        }

        if (place.EndsWith(SlowCallCircuitBreakerConstants.OnCircuitCallbackFailed, StringComparison.Ordinal))
        {
            options.OnOpened = _ => throw new InvalidOperationException(Failure); // so that the breaker reports a failed callback
        }

        var breaker = new Breaker(options);
        if (all)
        {
            breaker.Telemetry.ThrowsOn = TelemetryEvents.ToHashSet();
        }
        else if (place.StartsWith("TelemetryListener throws on ", StringComparison.Ordinal))
        {
            breaker.Telemetry.ThrowsOn = new HashSet<string> { place.Split(' ')[^1] };
        }

        return breaker;
    }

    private static void Call(Breaker breaker, bool fail, TimeSpan duration, Action onRun)
    {
        try
        {
            breaker.RunAsync(_ =>
            {
                onRun();
                breaker.Advance(duration);
                return fail
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("boom"))
                    : Outcome.FromResultAsValueTask(42);
            }).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("listener fails", StringComparison.Ordinal) || exception.Message == Failure)
        {
            // the caller may meet the user code's exception (Polly does the same); the breaker must not depend on it
        }
    }
}
