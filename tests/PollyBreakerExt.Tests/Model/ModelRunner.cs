using PollyBreakerExt.Tests.Utils;

namespace PollyBreakerExt.Tests.Model;

/// <summary>
/// Runs a <see cref="Scenario"/> step by step against a real breaker on a fake clock and against the model, and throws
/// at the first step where they disagree, naming the step and everything compared.
/// </summary>
internal static class ModelRunner
{
    public enum Flaw
    {
        None,

        /// <summary>A wrong model, to show that the property notices and shrinks: closing keeps the window.</summary>
        WindowSurvivesClose,
    }

    public static void Run(Scenario scenario) => Run(scenario, Flaw.None);

    public static void Run(Scenario scenario, Flaw flaw)
    {
        // Completions must run inline on this thread, step by step, as the model assumes.
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            new Execution(scenario, flaw).RunAll();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    /// <summary>The exception the custom predicate throws for <see cref="CallKind.PredicateThrows"/>.</summary>
    internal sealed class PredicateException() : Exception("the predicate threw");

    private sealed class Execution
    {
        private readonly Scenario _scenario;
        private readonly Flaw _flaw;
        private readonly FakeTimeProvider _time = new();
        private readonly RecordingTelemetryListener _telemetry = new();
        private readonly SlowCallCircuitBreakerStateProvider _stateProvider = new();
        private readonly SlowCallCircuitBreakerManualControl _control;
        private readonly List<CircuitStateChangedArguments> _transitions = [];
        private readonly List<InFlight> _inFlight = [];
        private readonly Func<Func<ResilienceContext, ValueTask<Outcome<int>>>, ResilienceContext, ValueTask<Outcome<int>>> _execute;
        private readonly CircuitStateController<int>? _genericController;
        private readonly CircuitStateController<object>? _objectController;
        private readonly ReferenceModel _model;
        private int _step = -1;

        public Execution(Scenario scenario, Flaw flaw)
        {
            _scenario = scenario;
            _flaw = flaw;
            var config = scenario.Config;
            Assert.Equal(TimeSpan.TicksPerSecond, _time.TimestampFrequency);
            _control = new SlowCallCircuitBreakerManualControl(config.StartIsolated);

            if (config.Generic)
            {
                var options = new SlowCallCircuitBreakerStrategyOptions<int>();
                Configure(options, config, o => o.Result);
                var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = _time, TelemetryListener = _telemetry }
                    .AddSlowCallCircuitBreaker(options)
                    .Build();
                _execute = (callback, context) => pipeline.ExecuteOutcomeAsync((ctx, cb) => cb(ctx), context, callback);
                _genericController = (CircuitStateController<int>)CreatedController();
            }
            else
            {
                var options = new SlowCallCircuitBreakerStrategyOptions();
                Configure(options, config, o => o.Result is int i ? i : 0);
                var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time, TelemetryListener = _telemetry }
                    .AddSlowCallCircuitBreaker(options)
                    .Build();
                _execute = (callback, context) => pipeline.ExecuteOutcomeAsync((ctx, cb) => cb(ctx), context, callback);
                _objectController = (CircuitStateController<object>)CreatedController();
            }

            _model = new ReferenceModel(config, _time.GetTimestamp()) { KeepsWindowOnClose = flaw == Flaw.WindowSurvivesClose };
        }

        private int ProbesInFlight => _genericController is not null ? _genericController.ProbesInFlight : _objectController!.ProbesInFlight;

        private TimeSpan? RetryAfter => _genericController is not null ? _genericController.RetryAfter : _objectController!.RetryAfter;

        public void RunAll()
        {
            Check(null);
            foreach (var op in _scenario.Program)
            {
                _step++;
                Outcome<int>? outcome = op switch
                {
                    CallOp call => Call(call),
                    StartOp => Start(),
                    FinishOp finish => Finish(finish),
                    AdvanceOp advance => Advance(advance.Ticks),
                    IsolateOp => Manual(_control.IsolateAsync(), _model.Isolate),
                    CloseOp => Manual(_control.CloseAsync(), () => _model.Close(CircuitTransitionReason.Manual)),
                    _ => throw new InvalidOperationException(op.ToString()),
                };
                Check(outcome);
            }
        }

        private void Configure<T>(SlowCallCircuitBreakerStrategyOptions<T> options, ModelConfig config, Func<Outcome<T>, int> resultOf)
        {
            options.SlidingWindowType = config.WindowType;
            options.SlidingWindowSize = config.WindowSize;
            options.SamplingDuration = TimeSpan.FromTicks(config.SamplingTicks);
            options.MinimumThroughput = config.MinimumThroughput;
            options.FailureThreshold = config.FailureThreshold;
            options.FailureRatio = config.FailureRatio;
            options.SlowCallDurationThreshold = config.SlowTicks is { } slow ? TimeSpan.FromTicks(slow) : null;
            options.SlowCallRatio = config.SlowCallRatio;
            options.BreakDuration = TimeSpan.FromTicks(config.BreakTicks);
            options.SuccessThreshold = config.SuccessThreshold;
            options.StateProvider = _stateProvider;
            options.ManualControl = _control;
            options.BreakDurationGenerator = config.Generator switch
            {
                GeneratorKind.Linear => args => new(TimeSpan.FromTicks((config.BreakTicks * (args.HalfOpenAttempts + 1)) + args.FailureCount)),
                GeneratorKind.Negative => _ => new(TimeSpan.FromSeconds(-5)),
                GeneratorKind.Huge => _ => new(TimeSpan.FromDays(2)),
                GeneratorKind.Throws => _ => throw new InvalidOperationException("generator"),
                _ => null,
            };
            options.OnStateChanged = args =>
            {
                _transitions.Add(args);
                return default;
            };

            if (config.CustomPredicate)
            {
                options.ShouldHandle = args => args.Outcome.Exception switch
                {
                    OperationCanceledException => new(false),
                    Exception => new(true),
                    null => resultOf(args.Outcome) switch
                    {
                        -1 => new(true),
                        -2 => throw new PredicateException(),
                        _ => new(false),
                    },
                };
            }
        }

        private SlowCallCircuitBreakerHandle CreatedController()
            => Assert.IsType<OnSlowCallCircuitBreakerCreatedArguments>(
                Assert.Single(_telemetry.Named(SlowCallCircuitBreakerConstants.OnSlowCallCircuitBreakerCreated)).Arguments).Breaker;

        private Outcome<int> Call(CallOp call)
        {
            var (permit, retryAfter) = _model.Admit();
            using var cancellation = new CancellationTokenSource();
            var context = ResilienceContextPool.Shared.Get(cancellation.Token);
            var ran = false;
            var pending = _execute(
                _ =>
                {
                    ran = true;
                    _time.Advance(TimeSpan.FromTicks(call.DurationTicks));
                    return new(Produce(call.Kind, cancellation));
                },
                context);
            var outcome = Await(pending.AsTask());
            ResilienceContextPool.Shared.Return(context);

            Expect(ran == permit.HasValue, $"the call {(ran ? "ran" : "did not run")} but the model {(permit.HasValue ? "admits" : "rejects")} it");
            if (permit is { } admitted)
            {
                _model.Now += call.DurationTicks;
                _model.Complete(admitted, call.Kind);
                ExpectOutcome(call.Kind, outcome);
            }
            else
            {
                ExpectRejection(retryAfter, outcome);
            }

            return outcome;
        }

        private Outcome<int>? Start()
        {
            var (permit, retryAfter) = _model.Admit();
            var cancellation = new CancellationTokenSource();
            var context = ResilienceContextPool.Shared.Get(cancellation.Token);
            var release = new TaskCompletionSource<Outcome<int>>();
            var ran = false;
            var task = _execute(
                _ =>
                {
                    ran = true;
                    return new(release.Task);
                },
                context).AsTask();

            Expect(ran == permit.HasValue, $"the call {(ran ? "started" : "did not start")} but the model {(permit.HasValue ? "admits" : "rejects")} it");
            if (permit is { } admitted)
            {
                Expect(!task.IsCompleted, "an admitted call in flight completed before it was released");
                _inFlight.Add(new(admitted, task, release, cancellation, context));
                return null;
            }

            var outcome = Await(task);
            ExpectRejection(retryAfter, outcome);
            cancellation.Dispose();
            return outcome;
        }

        private Outcome<int>? Finish(FinishOp finish)
        {
            if (_inFlight.Count == 0)
            {
                return null;
            }

            var call = _inFlight[finish.Index % _inFlight.Count];
            _inFlight.Remove(call);
            call.Release.SetResult(Produce(finish.Kind, call.Cancellation));
            var outcome = Await(call.Task);
            ResilienceContextPool.Shared.Return(call.Context);
            call.Cancellation.Dispose();

            _model.Complete(call.Permit, finish.Kind);
            ExpectOutcome(finish.Kind, outcome);
            return outcome;
        }

        private Outcome<int>? Advance(long ticks)
        {
            _time.Advance(TimeSpan.FromTicks(ticks));
            _model.Now += ticks;
            return null;
        }

        private Outcome<int>? Manual(Task task, Action model)
        {
            Expect(task.Wait(TimeSpan.FromSeconds(10)), "a manual transition did not complete");
            model();
            return null;
        }

        private static Outcome<int> Produce(CallKind kind, CancellationTokenSource cancellation)
        {
            switch (kind)
            {
                case CallKind.Success:
                    return Outcome.FromResult(42);
                case CallKind.Failure:
                    return Outcome.FromException<int>(new InvalidOperationException("failure"));
                case CallKind.Cancelled:
                    cancellation.Cancel();
                    return Outcome.FromException<int>(new OperationCanceledException(cancellation.Token));
                case CallKind.FailureResult:
                    return Outcome.FromResult(-1);
                default:
                    return Outcome.FromResult(-2);
            }
        }

        private Outcome<int> Await(Task<Outcome<int>> task)
        {
            Expect(task.Wait(TimeSpan.FromSeconds(10)), "a call did not complete");
            return task.Result;
        }

        private void ExpectOutcome(CallKind kind, Outcome<int> outcome)
        {
            var ok = kind switch
            {
                CallKind.Success => outcome.Exception is null && outcome.Result == 42,
                CallKind.Failure => outcome.Exception is InvalidOperationException { Message: "failure" },
                CallKind.Cancelled => outcome.Exception is OperationCanceledException,
                CallKind.FailureResult => outcome.Exception is null && outcome.Result == -1,
                _ when _scenario.Config.CustomPredicate => outcome.Exception is PredicateException,
                _ => outcome.Exception is null && outcome.Result == -2,
            };
            Expect(ok, $"a {kind} call ended in {Describe(outcome)}");
        }

        private void ExpectRejection(TimeSpan? retryAfter, Outcome<int> outcome)
        {
            if (retryAfter is { } expected)
            {
                Expect(
                    outcome.Exception is BrokenCircuitException broken && broken is not IsolatedCircuitException && broken.RetryAfter == expected,
                    $"expected a BrokenCircuitException with RetryAfter {expected}, got {Describe(outcome)}");
            }
            else
            {
                Expect(outcome.Exception is IsolatedCircuitException, $"expected an IsolatedCircuitException, got {Describe(outcome)}");
            }
        }

        private void Check(Outcome<int>? outcome)
        {
            Expect(_stateProvider.CircuitState == _model.State, $"state {_stateProvider.CircuitState}, model {_model.State}");

            var expectedTransitions = string.Join(", ", _model.Transitions);
            var actualTransitions = string.Join(", ", _transitions.Select(t => new ModelTransition(t.PreviousState, t.NewState, t.Reason, t.BreakDuration?.Ticks)));
            Expect(expectedTransitions == actualTransitions, $"transitions [{actualTransitions}], model [{expectedTransitions}]");

            var metrics = _stateProvider.Metrics;
            var expectedMetrics = _model.Metrics();
            Expect(metrics == expectedMetrics, $"metrics {metrics}, model {expectedMetrics}");

            Expect(ProbesInFlight == _model.ProbesInFlight, $"probes in flight {ProbesInFlight}, model {_model.ProbesInFlight}");
            Expect(RetryAfter == _model.RetryAfter, $"RetryAfter {RetryAfter}, model {_model.RetryAfter}");

            var rejections = _telemetry.Named(SlowCallCircuitBreakerConstants.OnCircuitRejected).Count;
            Expect(rejections == _model.Rejections, $"{rejections} rejections reported, model {_model.Rejections}");
            var slowCalls = _telemetry.Named(SlowCallCircuitBreakerConstants.OnSlowCall).Count;
            Expect(slowCalls == _model.SlowCalls, $"{slowCalls} slow calls reported, model {_model.SlowCalls}");
            _ = outcome;
        }

        private void Expect(bool condition, string what)
        {
            if (!condition)
            {
                var at = _step < 0 ? "before the first step" : $"after step {_step} ({_scenario.Program[_step]})";
                throw new ModelMismatchException($"Breaker and model disagree {at}: {what}.{Environment.NewLine}{_scenario}");
            }
        }

        private static string Describe(Outcome<int> outcome)
            => outcome.Exception is { } exception ? $"{exception.GetType().Name}: {exception.Message}" : $"result {outcome.Result}";
    }

    private sealed record InFlight(
        ModelPermit Permit,
        Task<Outcome<int>> Task,
        TaskCompletionSource<Outcome<int>> Release,
        CancellationTokenSource Cancellation,
        ResilienceContext Context);
}

/// <summary>The breaker did something the model does not allow.</summary>
public sealed class ModelMismatchException(string message) : Exception(message);
