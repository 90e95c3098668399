using Polly.CircuitBreaker;
using ScottPlot;
using PollyBreakerExt.Demo.Scenario;
using PollyBreakerExt.Demo.Upstream;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>
/// The timeline chart: phases shaded, the breaker's state as a band on top, the window's failure and slow-call ratios
/// (left axis) and the clients' throughput and rejections (right axis) over time.
/// </summary>
public static class TimelineChart
{
    private const double BandBottom = 1.07;
    private const double BandTop = 1.17;
    private const double PhaseLabelY = 1.24;
    private const double RatioAxisTop = 1.30;

    public static void Write(ScenarioResult result, string path, int width = 1400, int height = 700)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Use());
        var end = Math.Max(result.Elapsed.TotalSeconds, 0.001);

        foreach (var phase in result.Phases)
        {
            var span = plot.Add.HorizontalSpan(phase.Start.TotalSeconds, Math.Min(phase.End.TotalSeconds, end), PhaseColor(phase.Phase));
            span.LineStyle.Width = 0;
            var label = plot.Add.Text(PhaseText.Name(phase.Phase), (phase.Start.TotalSeconds + Math.Min(phase.End.TotalSeconds, end)) / 2, PhaseLabelY);
            label.LabelFontSize = 15;
            label.LabelBold = true;
            label.LabelFontColor = Colors.Black.WithAlpha(0.65);
            label.LabelAlignment = Alignment.MiddleCenter;
        }

        foreach (var (state, start, stop) in result.StateSegments())
        {
            var band = plot.Add.Rectangle(start.TotalSeconds, stop.TotalSeconds, BandBottom, BandTop);
            band.FillStyle.Color = StateColor(state);
            band.LineStyle.Width = 0;
        }

        // The recovery ramp: closed, but admitting a share of calls that rises to all of them.
        foreach (var (start, stop, _) in result.RampSegments())
        {
            var band = plot.Add.Rectangle(start.TotalSeconds, stop.TotalSeconds, BandBottom, BandTop);
            band.FillStyle.Color = RampColor;
            band.LineStyle.Width = 0;
        }

        var bandLabel = plot.Add.Text("breaker", 0, (BandBottom + BandTop) / 2);
        bandLabel.LabelFontSize = 11;
        bandLabel.LabelFontColor = Colors.White;
        bandLabel.LabelAlignment = Alignment.MiddleLeft;
        bandLabel.OffsetX = 4;

        var tripLine = plot.Add.HorizontalLine(0.5, 1, Colors.Gray, LinePattern.Dotted);
        tripLine.LegendText = "trip ratio (50%)";

        // Slow first and wider, so that where both ratios are equal the failure line shows on top of it.
        AddRatio(plot, result, sample => sample.Metrics.SlowCallRatio, new Color(255, 167, 38), 5, "slow-call ratio (window)");
        AddRatio(plot, result, sample => sample.Metrics.FailureRatio, new Color(211, 47, 47), 2.5f, "failure ratio (window)");

        AddRamps(plot, result);

        var (binTimes, callRates, rejectedRates) = Throughput(result, end);
        var throughput = plot.Add.ScatterLine(binTimes, callRates, new Color(25, 118, 210));
        throughput.LineWidth = 2;
        throughput.LegendText = "throughput (calls/s, right)";
        throughput.Axes.YAxis = plot.Axes.Right;
        var rejected = plot.Add.ScatterLine(binTimes, rejectedRates, new Color(123, 31, 162));
        rejected.LineWidth = 2;
        rejected.LinePattern = LinePattern.Dashed;
        rejected.LegendText = "rejected by breaker, served from cache or 503 (calls/s, right)";
        rejected.Axes.YAxis = plot.Axes.Right;

        foreach (var state in new[] { CircuitState.Closed, CircuitState.HalfOpen, CircuitState.Open })
        {
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"breaker {TransitionText.State(state)}",
                FillColor = StateColor(state),
                LineWidth = 0,
            });
        }

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "breaker closed, ramping up", FillColor = RampColor, LineWidth = 0 });

        plot.Title(TransitionText.Invariant(
            $"Slow-call circuit breaker: {result.Trips} trip(s), {result.Reopenings} reopening(s), {result.Closings} closing(s); open {result.TimeOpen.TotalSeconds:0.0} s of {result.Elapsed.TotalSeconds:0.0} s (speed x{result.Options.Speed:0.##})"));
        plot.Axes.Title.Label.FontSize = 17;
        plot.XLabel("seconds since start");
        plot.YLabel("ratio in the breaker's window");
        plot.Axes.Right.Label.Text = "calls per second";
        plot.Axes.SetLimitsX(0, end);
        plot.Axes.SetLimitsY(0, RatioAxisTop, plot.Axes.Left);
        var ratioTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var tick in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            ratioTicks.AddMajor(tick, TransitionText.Invariant($"{tick:0%}"));
        }

        plot.Axes.Left.TickGenerator = ratioTicks;
        var maxRate = Math.Max(1, callRates.DefaultIfEmpty(0).Max());
        plot.Axes.SetLimitsY(0, maxRate * RatioAxisTop, plot.Axes.Right);
        plot.ShowLegend(Edge.Bottom);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, width, height);
    }

    /// <summary>
    /// Draws a ratio of the breaker's window where the window holds calls; where it is empty (an open breaker lets none
    /// through, and the time-based window forgets) the ratio is undefined and the line has a gap.
    /// </summary>
    private static void AddRatio(Plot plot, ScenarioResult result, Func<TimelineSample, double> ratio, Color color, float width, string legend)
    {
        var segment = new List<TimelineSample>();
        var first = true;
        foreach (var sample in result.Timeline.Append(default))
        {
            if (sample.Metrics.Calls > 0)
            {
                segment.Add(sample);
                continue;
            }

            if (segment.Count == 0)
            {
                continue;
            }

            var line = plot.Add.ScatterLine(
                segment.Select(s => s.At.TotalSeconds).ToArray(),
                segment.Select(ratio).ToArray(),
                color);
            line.LineWidth = width;
            line.MarkerSize = segment.Count == 1 ? width * 2 : 0;
            if (first)
            {
                line.LegendText = legend;
                first = false;
            }

            segment.Clear();
        }
    }

    /// <summary>
    /// Draws each recovery ramp on the ratio axis: the share of calls the breaker admitted, measured over twelfths of the
    /// ramp, against the line it aims at (from the half-open's share to 100 %).
    /// </summary>
    private static void AddRamps(Plot plot, ScenarioResult result)
    {
        var first = true;
        foreach (var (start, stop, startShare) in result.RampSegments())
        {
            var length = stop - start;
            if (length <= TimeSpan.Zero)
            {
                continue;
            }

            var target = plot.Add.ScatterLine(
                new[] { start.TotalSeconds, (start + result.Timings.RecoveryRampUp).TotalSeconds },
                new[] { startShare, 1 },
                RampLineColor);
            target.LineWidth = 1.5f;
            target.LinePattern = LinePattern.Dotted;

            var times = new List<double>();
            var shares = new List<double>();
            var step = result.Timings.RecoveryRampUp / 12;
            for (var from = start; from < stop; from += step)
            {
                var to = from + step < stop ? from + step : stop;
                var (calls, rejected) = result.CallsBetween(from, to);
                if (calls > 0)
                {
                    times.Add((from + ((to - from) / 2)).TotalSeconds);
                    shares.Add((double)(calls - rejected) / calls);
                }
            }

            var measured = plot.Add.ScatterLine(times.ToArray(), shares.ToArray(), RampLineColor);
            measured.LineWidth = 2;
            measured.MarkerSize = 6;
            if (first)
            {
                target.LegendText = "ramp target share";
                measured.LegendText = "share of calls admitted while ramping";
                first = false;
            }
        }
    }

    /// <summary>Bins the clients' completed calls into about 60 intervals: calls/s and rejected calls/s.</summary>
    private static (double[] Times, double[] Calls, double[] Rejected) Throughput(ScenarioResult result, double end)
    {
        var bins = Math.Max(1, Math.Min(60, (int)(end / 0.1)));
        var width = end / bins;
        var calls = new double[bins];
        var rejected = new double[bins];
        foreach (var call in result.Calls)
        {
            var bin = Math.Clamp((int)(call.CompletedAt.TotalSeconds / width), 0, bins - 1);
            calls[bin]++;
            if (call.Rejected)
            {
                rejected[bin]++;
            }
        }

        var times = Enumerable.Range(0, bins).Select(i => (i + 0.5) * width).ToArray();
        return (times, calls.Select(count => count / width).ToArray(), rejected.Select(count => count / width).ToArray());
    }

    private static Color RampColor => new(165, 214, 167);

    private static Color RampLineColor => new(0, 121, 107);

    private static Color PhaseColor(UpstreamPhase phase) => phase switch
    {
        UpstreamPhase.Healthy => new Color(232, 245, 233),
        UpstreamPhase.Slow => new Color(255, 243, 224),
        UpstreamPhase.Failing => new Color(255, 235, 238),
        _ => new Color(227, 242, 253),
    };

    private static Color StateColor(CircuitState state) => state switch
    {
        CircuitState.Closed => new Color(56, 142, 60),
        CircuitState.Open => new Color(198, 40, 40),
        CircuitState.HalfOpen => new Color(251, 192, 45),
        _ => new Color(106, 27, 154),
    };
}
