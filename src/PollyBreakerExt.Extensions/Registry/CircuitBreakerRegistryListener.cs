using Polly.Telemetry;

namespace PollyBreakerExt;

/// <summary>
/// The telemetry listener through which breakers built in a container announce themselves to its registry.
/// </summary>
/// <remarks>
/// Every breaker reports <c>OnSlowCallCircuitBreakerCreated</c> when it is built, and Polly attaches the pipeline, instance
/// and strategy names to every event; listening here is how the registry learns of named pipelines, HttpClient handlers
/// and per-authority instances alike without the user registering anything. Every other event costs one type check.
/// </remarks>
internal sealed class CircuitBreakerRegistryListener : TelemetryListener
{
    private readonly SlowCallCircuitBreakerRegistry _registry;

    public CircuitBreakerRegistryListener(SlowCallCircuitBreakerRegistry registry) => _registry = registry;

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        if (typeof(TArgs) == typeof(CircuitBreakerCreatedArguments) && args.Arguments is CircuitBreakerCreatedArguments created)
        {
            _registry.Register(args.Source, created.Controller);
        }
    }
}
