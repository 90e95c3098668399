namespace PollyBreakerExt.Tests.Model;

/// <summary>A transition as the model predicts it (break durations in ticks).</summary>
public readonly record struct ModelTransition(CircuitState From, CircuitState To, CircuitTransitionReason Reason, long? BreakTicks)
{
    public override string ToString() => $"{From}->{To} ({Reason}{(BreakTicks is { } b ? ", break " + Ticks.Format(b) : string.Empty)})";
}

/// <summary>What an admitted call carries in the model: when it started and which half-open episode it probes (0: none).</summary>
public readonly record struct ModelPermit(long Start, int Generation, int ManualGeneration = 0);

/// <summary>
/// docs/design.md's rules, written as plainly as possible and independently of the implementation: the window is a list
/// of every recorded call, judged afresh at each step.
/// </summary>
/// <remarks>
/// Beyond docs/design.md it encodes the documented choices: time-based ratios and metrics are aggregated in buckets a tenth of
/// the sampling duration wide (a bucket counts while any part of it is inside the window), while the failure threshold is
/// exact to the tick; probe outcomes are recorded in the window; closing clears it and opening does not; a probe
/// holds a half-open slot while it runs, until a whole BreakDuration (never a generated break) has passed since its set began,
/// also into the next episode; then a fresh set is admitted (the old probes no longer hold slots, but their results still
/// decide in their own episode); a
/// call admitted while closed is recorded whenever it completes (unless a manual transition came in between) but moves the circuit only while closed; a throwing
/// predicate makes a failure; generated breaks are clamped to at most 1 day, and a negative break or a throwing generator means BreakDuration.
/// </remarks>
public sealed class ReferenceModel
{
    private static readonly long MaxBreakTicks = TimeSpan.FromDays(1).Ticks;

    private readonly ModelConfig _config;
    private readonly List<(long CompletedAt, bool Failure, bool Slow)> _window = [];
    private long _blockedUntil;
    private readonly List<(int Generation, long StuckAt)> _runningProbes = []; // one entry per probe still running
    private int _generation; // the newest probe set
    private long _setStuckAt; // when the newest set's probes stop holding slots
    private int _episodeStart;
    private int _manualGeneration;
    private int _probeSuccesses;
    private int _halfOpenAttempts;

    public ReferenceModel(ModelConfig config, long now)
    {
        _config = config;
        Now = now;
        if (config.StartIsolated)
        {
            State = CircuitState.Isolated;
            _blockedUntil = long.MaxValue;
        }
    }

    public enum Classification
    {
        Success,
        Failure,
        Ignored,
    }

    public long Now { get; set; }

    /// <summary>Gets or sets a deliberate flaw: closing keeps the window (used only to show that disagreements are caught).</summary>
    public bool KeepsWindowOnClose { get; init; }

    public CircuitState State { get; private set; } = CircuitState.Closed;

    public List<ModelTransition> Transitions { get; } = [];

    public int Rejections { get; private set; }

    public int SlowCalls { get; private set; }

    public int ProbesInFlight => State == CircuitState.HalfOpen ? _runningProbes.Count(p => p.StuckAt > Now) : 0;

    public TimeSpan? RetryAfter => State == CircuitState.Open ? TimeLeft() : null;

    /// <summary>Admits a call, or returns the rejection it gets: <c>(null, retryAfter)</c> for open or half-open, <c>(null, null)</c> when isolated.</summary>
    public (ModelPermit? Permit, TimeSpan? RetryAfter) Admit()
    {
        switch (State)
        {
            case CircuitState.Closed:
                return (new ModelPermit(Now, 0, _manualGeneration), null);

            case CircuitState.Open when Now >= _blockedUntil:
                _halfOpenAttempts++;
                _probeSuccesses = 0;
                _episodeStart = _generation + 1;
                Transition(CircuitState.HalfOpen, CircuitTransitionReason.BreakDurationElapsed, null);
                return AdmitProbe();

            case CircuitState.HalfOpen:
                return AdmitProbe();

            case CircuitState.Isolated:
                Rejections++;
                return (null, null);

            default:
                Rejections++;
                return (null, TimeLeft());
        }
    }

    public Classification Classify(CallKind kind) => kind switch
    {
        CallKind.Cancelled => Classification.Ignored,
        CallKind.Failure => Classification.Failure,
        CallKind.FailureResult or CallKind.PredicateThrows when _config.CustomPredicate => Classification.Failure,
        _ => Classification.Success,
    };

    public void Complete(ModelPermit permit, CallKind kind)
    {
        var classification = Classify(kind);
        var isCurrentProbe = permit.Generation != 0 && State == CircuitState.HalfOpen && permit.Generation >= _episodeStart;
        if (permit.Generation != 0)
        {
            _runningProbes.Remove(_runningProbes.First(p => p.Generation == permit.Generation));
        }

        if (classification == Classification.Ignored)
        {
            return;
        }

        if (permit.ManualGeneration != _manualGeneration)
        {
            return; // admitted before a manual transition: not recorded after it
        }

        var failure = classification == Classification.Failure;
        var slow = _config.SlowTicks is { } threshold && Now - permit.Start >= threshold;
        if (slow)
        {
            SlowCalls++;
        }

        _window.Add((Now, failure, slow));
        var counts = Counts();

        if (isCurrentProbe)
        {
            if (failure || slow)
            {
                Open(failure ? CircuitTransitionReason.HalfOpenProbeFailed : CircuitTransitionReason.HalfOpenProbeSlow, counts);
            }
            else if (++_probeSuccesses >= _config.SuccessThreshold)
            {
                Close(CircuitTransitionReason.HalfOpenSucceeded);
            }

            return;
        }

        // A call admitted while closed, or a probe of an earlier episode: rule 1 judges it if the breaker is closed now.
        if (State == CircuitState.Closed && TripReason(counts) is { } reason)
        {
            Open(reason, counts);
        }
    }

    public void Isolate()
    {
        _manualGeneration++;
        if (State != CircuitState.Isolated)
        {
            _blockedUntil = long.MaxValue;
            Transition(CircuitState.Isolated, CircuitTransitionReason.Manual, null);
        }
    }

    public void Close(CircuitTransitionReason reason)
    {
        if (reason == CircuitTransitionReason.Manual)
        {
            _manualGeneration++;
        }

        if (!KeepsWindowOnClose)
        {
            _window.Clear();
        }

        _halfOpenAttempts = 0;
        if (State != CircuitState.Closed)
        {
            Transition(CircuitState.Closed, reason, null);
        }
    }

    /// <summary>The metrics the breaker must report now.</summary>
    public CircuitMetrics Metrics()
    {
        var (calls, failures, slow, _) = Counts();
        return new(calls, failures, slow, calls == 0 ? 0 : (double)failures / calls, calls == 0 ? 0 : (double)slow / calls);
    }

    /// <summary>Calls, failures and slow calls as ratios see them, and whether the failure threshold is reached.</summary>
    private (int Calls, int Failures, int Slow, bool ThresholdReached) Counts()
    {
        IEnumerable<(long CompletedAt, bool Failure, bool Slow)> judged;
        bool thresholdReached;
        if (_config.WindowType == SlidingWindowType.CountBased)
        {
            judged = _window.Skip(Math.Max(0, _window.Count - _config.WindowSize)).ToList();
            thresholdReached = judged.Count(c => c.Failure) >= (_config.FailureThreshold ?? int.MaxValue);
        }
        else
        {
            // A bucket counts while any part of it is inside the window: it holds the cutoff instant or a later one.
            var width = _config.BucketTicks;
            var oldestLiveBucket = FloorDiv(Now - _config.SamplingTicks, width);
            judged = _window.Where(c => FloorDiv(c.CompletedAt, width) >= oldestLiveBucket).ToList();

            // The failure threshold is exact: a failure exactly SamplingDuration old still counts.
            thresholdReached = _window.Count(c => c.Failure && Now - c.CompletedAt <= _config.SamplingTicks) >= (_config.FailureThreshold ?? int.MaxValue);
        }

        return (judged.Count(), judged.Count(c => c.Failure), judged.Count(c => c.Slow), thresholdReached);
    }

    private CircuitTransitionReason? TripReason((int Calls, int Failures, int Slow, bool ThresholdReached) counts)
    {
        if (counts.ThresholdReached)
        {
            return CircuitTransitionReason.FailureThreshold;
        }

        if (counts.Calls < _config.MinimumThroughput)
        {
            return null;
        }

        if (_config.FailureRatio is { } failureRatio && (double)counts.Failures / counts.Calls >= failureRatio)
        {
            return CircuitTransitionReason.FailureRatio;
        }

        if (_config.SlowTicks is not null && (double)counts.Slow / counts.Calls >= _config.SlowCallRatio)
        {
            return CircuitTransitionReason.SlowCallRatio;
        }

        return null;
    }

    private void Open(CircuitTransitionReason reason, (int Calls, int Failures, int Slow, bool ThresholdReached) counts)
    {
        var breakTicks = _config.Generator switch
        {
            GeneratorKind.Linear => (_config.BreakTicks * (_halfOpenAttempts + 1)) + counts.Failures,
            GeneratorKind.Negative => _config.BreakTicks,
            GeneratorKind.Huge => MaxBreakTicks,
            _ => _config.BreakTicks,
        };

        _blockedUntil = Now + breakTicks;
        Transition(CircuitState.Open, reason, breakTicks);
    }

    /// <summary>
    /// A probe holds a slot while it runs, until BreakDuration (whatever the generated break) has passed since its set began;
    /// it joins the newest set if that set is of this episode and not stuck, else begins one. Sets outlive episodes.
    /// </summary>
    private (ModelPermit? Permit, TimeSpan? RetryAfter) AdmitProbe()
    {
        var holding = _runningProbes.Where(p => p.StuckAt > Now).ToList();
        if (holding.Count >= _config.SuccessThreshold)
        {
            Rejections++;
            _blockedUntil = holding.Min(p => p.StuckAt);
            return (null, TimeLeft());
        }

        if (_generation < _episodeStart || _setStuckAt <= Now)
        {
            _generation++;
            _setStuckAt = Now + _config.BreakTicks;
        }

        _runningProbes.Add((_generation, _setStuckAt));
        return (new ModelPermit(Now, _generation, _manualGeneration), null);
    }

    private TimeSpan TimeLeft() => TimeSpan.FromTicks(_blockedUntil <= Now ? 0 : _blockedUntil - Now);

    private void Transition(CircuitState to, CircuitTransitionReason reason, long? breakTicks)
    {
        Transitions.Add(new(State, to, reason, breakTicks));
        State = to;
    }

    private static long FloorDiv(long value, long divisor)
        => (value / divisor) - (value % divisor < 0 ? 1 : 0);
}
