using Microsoft.Extensions.Hosting;

namespace PollyBreakerExt;

/// <summary>
/// Each breaker's failure and slow-call ratio once a second over the last five minutes, so that a page opened during an
/// incident draws the five minutes before it at once.
/// </summary>
/// <remarks>
/// <para>
/// One timer for all breakers, reading what the list endpoint reads: bounded background work, nothing on the call path.
/// It runs from the app's start to its stop; a breaker that leaves the registry leaves the history.
/// </para>
/// <para>
/// A keyed strategy may hold thousands of keys' breakers, so they are sampled under a cap of
/// <see cref="MaxKeyedBreakers"/>, for the keys worth a chart: a key's breaker takes a place once its window shows a
/// failure or slow-call ratio above 0 while a place is free, and gives it up when it leaves the registry or after a whole
/// <see cref="Capacity"/> of samples at 0 (a flat chart, which the page draws as well from what it sees). Breakers without
/// a key are always sampled: there are as many as the app configured.
/// </para>
/// </remarks>
internal sealed class CircuitRatioHistory
{
    public const int Capacity = 300;

    /// <summary>At most this many keys' breakers are sampled at once: 100 × 300 samples of 24 bytes, about 720 KB.</summary>
    public const int MaxKeyedBreakers = 100;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Track> _tracks = new(StringComparer.Ordinal);
    private readonly List<string> _gone = [];
    private readonly List<(string Key, CircuitRatioSample Sample)> _waiting = []; // keys in trouble while no place was free this tick
    private long _tick;
    private int _keyed;

    /// <summary>Samples from when the app has started until it stops; without a host, the page draws what it sees itself.</summary>
    public void StartWith(IHostApplicationLifetime? lifetime, CircuitDashboard dashboard)
        => lifetime?.ApplicationStarted.Register(() => _ = RunAsync(dashboard, lifetime.ApplicationStopping));

    /// <summary>Gets how many keys' breakers are sampled now.</summary>
    public int KeyedCount
    {
        get
        {
            lock (_lock)
            {
                return _keyed;
            }
        }
    }

    /// <summary>Takes one sample of each listed breaker and forgets the breakers no longer listed.</summary>
    /// <param name="now">The sample's time.</param>
    /// <param name="breakers">Every live breaker: its key, its key in a keyed strategy (null for any other), and its ratios.</param>
    public void Record(DateTimeOffset now, IEnumerable<(string Key, string? BreakerKey, CircuitMetrics Metrics)> breakers)
    {
        var t = now.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            var tick = ++_tick;
            foreach (var (key, breakerKey, metrics) in breakers)
            {
                var quiet = metrics.FailureRatio == 0 && metrics.SlowCallRatio == 0;
                if (!_tracks.TryGetValue(key, out var track))
                {
                    var keyed = breakerKey is not null;
                    if (keyed && quiet)
                    {
                        continue;
                    }

                    if (keyed && _keyed == MaxKeyedBreakers)
                    {
                        // A place may free up this tick, from a key that is no longer listed: these wait for the end of it.
                        if (_waiting.Count < MaxKeyedBreakers)
                        {
                            _waiting.Add((key, Sample(t, metrics)));
                        }

                        continue;
                    }

                    _tracks[key] = track = new Track(keyed);
                    _keyed += keyed ? 1 : 0;
                }

                track.Add(Sample(t, metrics), quiet, tick);
                if (track.Keyed && track.QuietRun == Capacity)
                {
                    _tracks.Remove(key);
                    _keyed--;
                }
            }

            foreach (var (key, track) in _tracks)
            {
                if (track.SeenAt != tick)
                {
                    _gone.Add(key);
                }
            }

            foreach (var key in _gone)
            {
                _keyed -= _tracks[key].Keyed ? 1 : 0;
                _tracks.Remove(key);
            }

            _gone.Clear();
            foreach (var (key, sample) in _waiting)
            {
                if (_keyed == MaxKeyedBreakers)
                {
                    break;
                }

                var track = _tracks[key] = new Track(keyed: true);
                track.Add(sample, quiet: false, tick);
                _keyed++;
            }

            _waiting.Clear();
        }
    }

    /// <summary>Copies every sampled breaker's samples, oldest first.</summary>
    public Dictionary<string, CircuitRatioSample[]> Copy()
    {
        lock (_lock)
        {
            return _tracks.ToDictionary(pair => pair.Key, pair => pair.Value.Samples.ToArray(), StringComparer.Ordinal);
        }
    }

    private static CircuitRatioSample Sample(long t, CircuitMetrics metrics) => new(t, metrics.FailureRatio, metrics.SlowCallRatio);

    private async Task RunAsync(CircuitDashboard dashboard, CancellationToken stopping)
    {
        try
        {
            using var timer = new PeriodicTimer(Period, dashboard.TimeProvider);
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                Record(dashboard.TimeProvider.GetUtcNow(), dashboard.List().Select(breaker => (breaker.Key, breaker.BreakerKey, breaker.Metrics)));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The app stops.
        }
    }

    /// <summary>One breaker's samples, and how many of the newest in a row were at 0.</summary>
    private sealed class Track(bool keyed)
    {
        public bool Keyed { get; } = keyed;

        public Queue<CircuitRatioSample> Samples { get; } = new();

        public int QuietRun { get; private set; }

        public long SeenAt { get; private set; }

        public void Add(CircuitRatioSample sample, bool quiet, long tick)
        {
            if (Samples.Count == Capacity)
            {
                Samples.Dequeue();
            }

            Samples.Enqueue(sample);
            QuietRun = quiet ? QuietRun + 1 : 0;
            SeenAt = tick;
        }
    }
}
