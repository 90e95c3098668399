using System.Globalization;
using Polly;
using PollyBreakerExt;
using StackExchange.Redis;

// Usage: <connection string> <key prefix> <breaker key> <break ms>
// Prints "ready <replica id>" once connected, "transition <from> <to> <reason>" on each transition, and answers the
// commands "fail", "succeed" (one call each, prints its outcome) and "state" read from stdin; "quit" ends it.
var connection = await ConnectionMultiplexer.ConnectAsync(args[0]);
await using var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions { KeyPrefix = args[1] });
var stateProvider = new SlowCallCircuitBreakerStateProvider();
var pipeline = new ResiliencePipelineBuilder<int>()
    .AddSlowCallCircuitBreaker(new SlowCallCircuitBreakerStrategyOptions<int>
    {
        Name = args[2],
        Fleet = fleet,
        FailureThreshold = 1,
        MinimumThroughput = 1,
        SlowCallDurationThreshold = null,
        SuccessThreshold = 1,
        BreakDuration = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture)),
        StateProvider = stateProvider,
        OnStateChanged = args =>
        {
            Console.WriteLine($"transition {args.PreviousState} {args.NewState} {args.Reason}");
            return default;
        },
    })
    .Build();

while (!fleet.IsConnected)
{
    await Task.Delay(10);
}

Console.WriteLine($"ready {fleet.ReplicaId}");
while (Console.ReadLine() is { } command && command != "quit")
{
    switch (command)
    {
        case "fail" or "succeed":
            var outcome = await pipeline.ExecuteOutcomeAsync(
                (_, fail) => fail ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("failed")) : Outcome.FromResultAsValueTask(1),
                ResilienceContextPool.Shared.Get(),
                command == "fail");
            Console.WriteLine($"outcome {outcome.Exception?.GetType().Name ?? "ok"}");
            break;
        case "state":
            Console.WriteLine($"state {stateProvider.CircuitState}");
            break;
    }
}

await connection.DisposeAsync();
