using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// The telemetry listener through which breakers built in a container announce themselves to its registry.
/// </summary>
/// <remarks>
/// Every breaker reports <c>OnSlowCallCircuitBreakerCreated</c> when it is built, and Polly attaches the pipeline, instance
/// and strategy names to every event; listening here is how the registry learns of named pipelines, HttpClient handlers
/// and per-authority instances alike without the user registering anything. Rejections (<c>OnCircuitRejected</c>) are
/// passed on to the registry's metrics with those names. Every other event costs two type checks.
/// </remarks>
internal sealed class CircuitBreakerRegistryListener : TelemetryListener
{
    private readonly SlowCallCircuitBreakerRegistry _registry;

    public CircuitBreakerRegistryListener(SlowCallCircuitBreakerRegistry registry) => _registry = registry;

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        if (typeof(TArgs) == typeof(OnSlowCallCircuitBreakerCreatedArguments) && args.Arguments is OnSlowCallCircuitBreakerCreatedArguments created)
        {
            _registry.Register(args.Source, created.Breaker);
        }
        else if (typeof(TArgs) == typeof(OnCircuitRejectedArguments) && args.Arguments is OnCircuitRejectedArguments rejected)
        {
            _registry.OnCallRejected(args.Source, rejected);
        }
    }
}
