using PollyBreakerExt.PackageTests;

// Uses every package as an application that installed it would, and exits non-zero on any mismatch. One line per check;
// a package added to the repository gets its check here and its PackageReference in the csproj.
var checks = new Checks();
await checks.RunAsync("core: breaker outside retry trips and rejects with RetryAfter", PipelineChecks.BreakerOutsideRetryTripsAndRejects);
await checks.RunAsync("core: bad options are refused by name", PipelineChecks.BadOptionsAreRefusedByName);
await checks.RunAsync("extensions: HttpClient handler on Kestrel, registry, health", HttpClientChecks.HandlerTripsRegistryIsolatesAndCloses);
await checks.RunAsync("extensions: configuration bound and validated", HttpClientChecks.ConfigurationIsBoundAndValidated);
await checks.RunAsync("extensions: the recorder writes every call the breaker lets run", RecorderChecks.RecorderWritesEveryCallTheBreakerLetsRun);
await checks.RunAsync("redis: a fleet without Redis trips and rejects locally", RedisChecks.FleetWithoutRedisTripsAndRejectsLocally);
await checks.RunAsync("aspnetcore: GET /circuits and /circuits/ui list the breaker, POST isolate isolates, /health shows it alike", AspNetCoreChecks.OperatorEndpointsListServeThePageIsolateAndMatchHealth);
checks.PrintSummary();
return checks.AllPassed ? 0 : 1;
