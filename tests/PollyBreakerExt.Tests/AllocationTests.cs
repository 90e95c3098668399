using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests;

/// <summary>The closed-state success path allocates nothing (docs/design.md, Targets), measured on the calling thread.</summary>
public class AllocationTests
{
    private const int Calls = 10_000;

    public static TheoryData<SlidingWindowType, bool> Configurations => new()
    {
        { SlidingWindowType.TimeBased, true },
        { SlidingWindowType.TimeBased, false },
        { SlidingWindowType.CountBased, true },
        { SlidingWindowType.CountBased, false },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Generic_pipeline_closed_success_allocates_nothing(SlidingWindowType windowType, bool slowCallDetection)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        Configure(options, windowType, slowCallDetection);
        var pipeline = new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options).Build();

        Assert.Equal(0, MeasureAllocations(pipeline.ExecuteAsync));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Non_generic_pipeline_with_default_predicate_closed_success_allocates_nothing(SlidingWindowType windowType, bool slowCallDetection)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions();
        Configure(options, windowType, slowCallDetection);
        var pipeline = new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(options).Build();

        Assert.Equal(0, MeasureAllocations(pipeline.ExecuteAsync));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void A_keyed_breaker_allocates_nothing_on_a_known_keys_closed_success(SlidingWindowType windowType, bool slowCallDetection)
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { KeySelector = static _ => "tenant-1" };
        Configure(options, windowType, slowCallDetection);
        var generic = new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options).Build();
        var nonGeneric = new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions { KeySelector = static _ => "tenant-1" }).Build();

        Assert.Equal(0, MeasureAllocations(generic.ExecuteAsync));
        Assert.Equal(0, MeasureAllocations(nonGeneric.ExecuteAsync));
    }

    [Fact]
    public void Generic_pipeline_with_a_custom_synchronous_predicate_allocates_nothing()
    {
        // This path goes through an async method that completes synchronously; only an optimized build keeps its
        // state machine on the stack (Debug builds make it a class).
        var core = typeof(SlowCallCircuitBreakerStrategyOptions).Assembly;
        var optimized = core.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .Cast<System.Diagnostics.DebuggableAttribute>()
            .All(a => !a.IsJITOptimizerDisabled);
        Assert.True(optimized, "Allocation is measured on optimized builds: run the tests with -c Release, as the README says.");

        var options = new SlowCallCircuitBreakerStrategyOptions<int>();
        Configure(options, SlidingWindowType.TimeBased, slowCallDetection: true);
        options.ShouldHandle = static args => new(args.Outcome.Result < 0); // the measured calls return 0..9999: all successes
        var pipeline = new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options).Build();

        Assert.Equal(0, MeasureAllocations(pipeline.ExecuteAsync));
    }

    [Fact]
    public void Closed_failure_path_allocates_only_what_the_outcome_needs()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions<int> { SlidingWindowType = SlidingWindowType.CountBased, SlidingWindowSize = 1_000_000, FailureThreshold = 1_000_000 };
        var pipeline = new ResiliencePipelineBuilder<int>().AddSlowCallCircuitBreaker(options).Build();
        var exception = new InvalidOperationException();
        var context = ResilienceContextPool.Shared.Get();

        Outcome<int> Fail()
        {
            var pending = pipeline.ExecuteOutcomeAsync(static (_, e) => Outcome.FromExceptionAsValueTask<int>(e), context, exception);
            Assert.True(pending.IsCompletedSuccessfully);
            return pending.Result;
        }

        Fail();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = Fail();
        var perCall = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(exception, outcome.Exception);
        Assert.InRange(perCall, 0, 200); // the ExceptionDispatchInfo the callback itself creates
    }

    private static void Configure<T>(SlowCallCircuitBreakerStrategyOptions<T> options, SlidingWindowType windowType, bool slowCallDetection)
    {
        options.SlidingWindowType = windowType;
        options.SlowCallDurationThreshold = slowCallDetection ? TimeSpan.FromSeconds(10) : null;
    }

    private delegate ValueTask<int> Execute(Func<ResilienceContext, int, ValueTask<int>> callback, ResilienceContext context, int state);

    private static long MeasureAllocations(Execute execute)
    {
        var context = ResilienceContextPool.Shared.Get();
        static ValueTask<int> Callback(ResilienceContext _, int state) => new(state);
        Func<ResilienceContext, int, ValueTask<int>> callback = Callback;

        for (var i = 0; i < 100; i++)
        {
#pragma warning disable CA2012 // Completed synchronously, asserted before the result is read.
            var warmup = execute(callback, context, i);
            Assert.True(warmup.IsCompletedSuccessfully);
            Assert.Equal(i, warmup.Result);
#pragma warning restore CA2012
        }

        return Allocations.LeastOf(() =>
        {
            for (var i = 0; i < Calls; i++)
            {
                var pending = execute(callback, context, i);
                Assert.True(pending.IsCompletedSuccessfully);
            }
        });
    }
}
