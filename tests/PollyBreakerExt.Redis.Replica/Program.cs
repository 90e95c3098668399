using System.Globalization;
using Polly;
using PollyBreakerExt;
using StackExchange.Redis;

// Usage: <connection string> <key prefix> <breaker key> <break ms> [<probe lease ms> [<quorum>]]
// Prints "ready <replica id>" once connected, "transition <from> <to> <reason>" on each transition, and answers the
// commands "fail", "succeed" (one call each, prints its outcome), "hang" (a call that never returns) and "state" read
// from stdin; "quit" ends it.
var connection = await ConnectionMultiplexer.ConnectAsync(args[0]);
await using var fleet = new RedisCircuitBreakerFleet(connection, new RedisCircuitBreakerFleetOptions
{
    KeyPrefix = args[1],
    ProbeLease = TimeSpan.FromMilliseconds(args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 30_000),
    Quorum = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 1,
});
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
        case "hang":
            // Until one is let through (the fleet may make it wait for the lease), start calls that never return.
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var call = pipeline.ExecuteAsync(async token =>
                {
                    await Task.Delay(Timeout.Infinite, token);
                    return 1;
                }).AsTask();
                if (!call.IsCompleted)
                {
                    break;
                }

                await Task.Delay(5);
            }

            break;
        case "state":
            Console.WriteLine($"state {stateProvider.CircuitState}");
            break;
    }
}

await connection.DisposeAsync();
