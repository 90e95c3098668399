using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace PollyBreakerExt.Extensions.Tests.Observability;

/// <summary>
/// What the OpenTelemetry SDK exports through its in-memory exporter, collected on demand, for one pipeline's points.
/// </summary>
/// <remarks>
/// Polly's meter is static and every test's container has a meter named <c>PollyBreakerExt</c>, so a provider also sees
/// other tests running at the same time: points are read for this test's pipeline name only.
/// </remarks>
internal sealed class ExportedMetrics
{
    private readonly List<MetricSnapshot> _exported = [];
    private readonly string _pipelineName;
    private MeterProvider? _provider;

    public ExportedMetrics(string pipelineName) => _pipelineName = pipelineName;

    /// <summary>The application's setup: the one-liner under test, and an in-memory exporter that exports only when asked.</summary>
    public void AddTo(IServiceCollection services)
        => services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddSlowCallCircuitBreakerInstrumentation()
            .AddInMemoryExporter(_exported, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue));

    /// <summary>Starts the provider, as the host does at startup.</summary>
    public void Start(IServiceProvider services) => _provider = services.GetRequiredService<MeterProvider>();

    /// <summary>Collects and exports every instrument now, and returns the exported metrics.</summary>
    public IReadOnlyList<MetricSnapshot> Collect()
    {
        lock (_exported)
        {
            _exported.Clear();
            Assert.True(_provider!.ForceFlush());
            return [.. _exported];
        }
    }

    /// <summary>The points of one instrument that belong to this test's pipeline, with their tags as a dictionary.</summary>
    public List<(MetricPoint Point, Dictionary<string, object?> Tags)> Points(IReadOnlyList<MetricSnapshot> exported, string meterName, string instrument)
    {
        var metric = Assert.Single(exported, metric => metric.MeterName == meterName && metric.Name == instrument);
        var points = new List<(MetricPoint, Dictionary<string, object?>)>();
        foreach (var point in metric.MetricPoints)
        {
            var tags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            if (Equals(tags.GetValueOrDefault("pipeline.name"), _pipelineName))
            {
                points.Add((point, tags));
            }
        }

        return points;
    }

    public static MetricSnapshot Metric(IReadOnlyList<MetricSnapshot> exported, string meterName, string instrument)
        => Assert.Single(exported, metric => metric.MeterName == meterName && metric.Name == instrument);
}
