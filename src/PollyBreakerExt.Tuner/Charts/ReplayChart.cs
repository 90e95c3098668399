using System.Globalization;
using Polly.CircuitBreaker;
using PollyBreakerExt.Tuner.Replay;
using ScottPlot;

namespace PollyBreakerExt.Tuner.Charts;

/// <summary>The replay's timeline: the breaker's state as a band on top, calls per second below (admitted successes, admitted failures, rejected).</summary>
internal static class ReplayChart
{
    public static void Write(string path, ReplayTimeline timeline, ReplayResult result)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Use());
        double Seconds(long ms) => (ms - timeline.StartMs) / 1000.0;

        var perSecond = 1000.0 / timeline.BinMs;
        var times = Enumerable.Range(0, timeline.Rejected.Length).Select(i => Seconds(timeline.StartMs + (i * timeline.BinMs) + (timeline.BinMs / 2))).ToArray();
        var peak = 1.0;
        foreach (var (counts, color, legend) in new[]
        {
            (timeline.AdmittedSuccesses, new Color(56, 142, 60), "admitted successes"),
            (timeline.AdmittedFailures, new Color(211, 47, 47), "admitted failures"),
            (timeline.Rejected, new Color(123, 31, 162), "rejected by the breaker"),
        })
        {
            var rates = counts.Select(count => count * perSecond).ToArray();
            peak = Math.Max(peak, rates.DefaultIfEmpty(0).Max());
            var line = plot.Add.ScatterLine(times, rates, color);
            line.LineWidth = 2;
            line.LegendText = $"{legend} (calls/s)";
        }

        var bandBottom = peak * 1.08;
        var bandTop = peak * 1.2;
        foreach (var (state, from, to) in timeline.Segments())
        {
            var band = plot.Add.Rectangle(Seconds(from), Seconds(to), bandBottom, bandTop);
            band.FillStyle.Color = StateColor(state);
            band.LineStyle.Width = 0;
        }

        foreach (var state in new[] { CircuitState.Closed, CircuitState.HalfOpen, CircuitState.Open })
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"breaker {state}", FillColor = StateColor(state), LineWidth = 0 });
        }

        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Replay of {result.Calls:N0} calls: {result.Opens} opening(s), open {result.TimeOpenMs / 1000.0:0.#} s; {result.AdmittedFailures:N0} failures let through, {result.RejectedSuccesses:N0} good calls refused"));
        plot.XLabel("seconds since the trace's first call");
        plot.YLabel("calls per second");
        plot.Axes.SetLimitsX(0, Seconds(timeline.EndMs));
        plot.Axes.SetLimitsY(0, peak * 1.25);
        plot.ShowLegend(Edge.Bottom);
        ChartFonts.Save(plot, path, 1400, 700);
    }

    private static Color StateColor(CircuitState state) => state switch
    {
        CircuitState.Closed => new Color(56, 142, 60),
        CircuitState.Open => new Color(198, 40, 40),
        CircuitState.HalfOpen => new Color(251, 192, 45),
        _ => new Color(106, 27, 154),
    };
}
