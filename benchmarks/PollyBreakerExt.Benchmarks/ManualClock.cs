namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// A clock that moves only when told, so a benchmark can let a break elapse, or make a call slow, without sleeping.
/// </summary>
/// <remarks>
/// Cheaper than FakeTimeProvider (no lock, no timers), so the clock itself stays out of the numbers. Both breakers read it:
/// ours through <see cref="GetTimestamp"/>, Polly's through <see cref="GetUtcNow"/>.
/// </remarks>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => new(Volatile.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
