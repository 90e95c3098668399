namespace PollyBreakerExt.Tests.Keyed;

/// <summary>Tests that measure the process's memory: they run while no other test does.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements
{
}
