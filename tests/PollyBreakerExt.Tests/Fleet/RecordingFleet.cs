namespace PollyBreakerExt.Tests.Fleet;

/// <summary>A fleet that records what its breakers tell it and answers the probing question as told.</summary>
internal sealed class RecordingFleet : ICircuitBreakerFleet
{
    public List<CircuitBreakerFleetMember> Members { get; } = [];

    public List<CircuitBreakerFleetMember> Left { get; } = [];

    public List<(CircuitState From, CircuitState To, CircuitTransitionReason Reason)> Transitions { get; } = [];

    public List<string> Order { get; } = [];

    public int ProbeQuestions { get; private set; }

    /// <summary>Gets or sets the answer to <see cref="TryBeginProbing"/>: null to allow, else how long to wait.</summary>
    public TimeSpan? ProbeWait { get; set; }

    /// <summary>Gets or sets an exception that <see cref="TryBeginProbing"/> throws instead of answering.</summary>
    public Exception? ProbeFailure { get; set; }

    public void Join(CircuitBreakerFleetMember member) => Members.Add(member);

    public void Leave(CircuitBreakerFleetMember member) => Left.Add(member);

    public void OnTransition(CircuitBreakerFleetMember member, in CircuitStateChangedArguments args)
    {
        Transitions.Add((args.PreviousState, args.NewState, args.Reason));
        Order.Add("fleet");
    }

    public bool TryBeginProbing(CircuitBreakerFleetMember member, out TimeSpan retryAfter)
    {
        ProbeQuestions++;
        if (ProbeFailure is not null)
        {
            throw ProbeFailure;
        }

        retryAfter = ProbeWait ?? TimeSpan.Zero;
        return ProbeWait is null;
    }
}
