using Microsoft.Extensions.Hosting;

namespace PollyBreakerExt;

/// <summary>
/// Each breaker's failure and slow-call ratio once a second over the last five minutes, so that a page opened during an
/// incident draws the five minutes before it at once.
/// </summary>
/// <remarks>
/// One timer for all breakers, reading what the list endpoint reads: bounded background work, nothing on the call path.
/// It runs from the app's start to its stop; a breaker that leaves the registry leaves the history.
/// </remarks>
internal sealed class CircuitRatioHistory
{
    public const int Capacity = 300;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<CircuitRatioSample>> _samples = new(StringComparer.Ordinal);

    /// <summary>Samples from when the app has started until it stops; without a host, the page draws what it sees itself.</summary>
    public void StartWith(IHostApplicationLifetime? lifetime, CircuitDashboard dashboard)
        => lifetime?.ApplicationStarted.Register(() => _ = RunAsync(dashboard, lifetime.ApplicationStopping));

    public void Record(DateTimeOffset now, IEnumerable<(string Key, CircuitMetrics Metrics)> breakers)
    {
        var t = now.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var breaker in breakers)
            {
                listed.Add(breaker.Key);
                if (!_samples.TryGetValue(breaker.Key, out var samples))
                {
                    _samples[breaker.Key] = samples = new Queue<CircuitRatioSample>(Capacity);
                }

                if (samples.Count == Capacity)
                {
                    samples.Dequeue();
                }

                samples.Enqueue(new CircuitRatioSample(t, breaker.Metrics.FailureRatio, breaker.Metrics.SlowCallRatio));
            }

            foreach (var key in _samples.Keys.Where(key => !listed.Contains(key)).ToList())
            {
                _samples.Remove(key);
            }
        }
    }

    /// <summary>Copies every breaker's samples, oldest first.</summary>
    public Dictionary<string, CircuitRatioSample[]> Copy()
    {
        lock (_lock)
        {
            return _samples.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
        }
    }

    private async Task RunAsync(CircuitDashboard dashboard, CancellationToken stopping)
    {
        try
        {
            using var timer = new PeriodicTimer(Period, dashboard.TimeProvider);
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                Record(dashboard.TimeProvider.GetUtcNow(), dashboard.List().Select(breaker => (breaker.Key, breaker.Metrics)));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The app stops.
        }
    }
}
