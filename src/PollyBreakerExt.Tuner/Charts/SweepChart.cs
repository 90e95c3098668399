using System.Globalization;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;
using ScottPlot;

namespace PollyBreakerExt.Tuner.Charts;

/// <summary>
/// Every candidate as a point (admitted failures, rejected successes); the Pareto front joined and marked; no breaker at
/// all as a point of its own, with the line of as many wrong calls as it; the best labelled when it beats no breaker.
/// </summary>
internal static class SweepChart
{
    public static void Write(string path, IReadOnlyList<CandidateOptions> candidates, IReadOnlyList<ReplayResult> results, int best, ReplayResult noBreaker)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Use());

        var all = plot.Add.ScatterPoints(
            results.Select(r => (double)r.AdmittedFailures).ToArray(),
            results.Select(r => (double)r.RejectedSuccesses).ToArray(),
            new Color(120, 144, 156).WithAlpha(0.7));
        all.MarkerSize = 6;
        all.LegendText = $"candidate ({results.Count})";

        var front = SweepRunner.ParetoFront(results);
        var line = plot.Add.Scatter(
            front.Select(i => (double)results[i].AdmittedFailures).ToArray(),
            front.Select(i => (double)results[i].RejectedSuccesses).ToArray(),
            new Color(198, 40, 40));
        line.LineWidth = 2;
        line.MarkerSize = 10;
        line.MarkerShape = MarkerShape.OpenCircle;
        line.LegendText = $"Pareto front ({front.Length}): nothing beats these on both axes";

        // No breaker lets every failure through and refuses nothing. A candidate does better only below the line where
        // admitted failures + rejected successes equal the trace's failures; drawn within the candidates' height only,
        // so that it does not stretch the chart.
        var failures = noBreaker.AdmittedFailures;
        var height = Math.Min(failures, results.Max(r => r.RejectedSuccesses));
        if (height > 0)
        {
            var even = plot.Add.Line(failures, 0, failures - height, height);
            even.LineColor = Colors.Black.WithAlpha(0.6);
            even.LineWidth = 1.5f;
            even.LinePattern = LinePattern.Dashed;
            even.LegendText = "as many calls wrong as no breaker: better candidates lie below and left";
        }

        var baseline = plot.Add.ScatterPoints(new double[] { failures }, new double[] { 0 }, Colors.Black);
        baseline.MarkerSize = 14;
        baseline.MarkerShape = MarkerShape.Eks;
        baseline.MarkerLineWidth = 3;
        baseline.LegendText = string.Create(CultureInfo.InvariantCulture, $"no breaker: all {failures:N0} failures let through, no call refused");

        var winner = results[best];
        var beats = SweepRunner.BeatsNoBreaker(winner, noBreaker);
        string label;
        (double X, double Y) labelled;
        if (beats)
        {
            var marker = plot.Add.ScatterPoints(new double[] { winner.AdmittedFailures }, new double[] { winner.RejectedSuccesses }, new Color(46, 125, 50));
            marker.MarkerSize = 14;
            marker.MarkerShape = MarkerShape.FilledDiamond;
            marker.LegendText = string.Create(CultureInfo.InvariantCulture, $"best: {winner.Cost:N0} calls wrong, {noBreaker.Cost - winner.Cost:N0} fewer than no breaker");

            // Label the best with what sets it apart: the properties that vary across the grid.
            var varying = candidates[best].Properties.Where(p => candidates.Any(c => !c.Properties.Contains(p))).Select(p => $"{p.Key}={p.Value}").ToList();
            label = string.Join("\n", varying.Count > 0 ? varying : ["(the only candidate)"]);
            labelled = (winner.AdmittedFailures, winner.RejectedSuccesses);
        }
        else
        {
            label = string.Create(CultureInfo.InvariantCulture, $"no breaker is best: no candidate\ngets fewer than {failures:N0} calls wrong");
            labelled = (failures, 0);
        }

        var text = plot.Add.Text(label, labelled.X, labelled.Y);
        text.LabelFontSize = 12;
        text.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
        var points = results.Select(r => ((double)r.AdmittedFailures, (double)r.RejectedSuccesses)).Append((failures, 0.0)).ToList();
        (text.LabelAlignment, text.OffsetX, text.OffsetY) = LabelPlacement(labelled, points);

        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Sweep over {noBreaker.Calls:N0} calls: failures let through vs good calls refused"));
        plot.XLabel("admitted failures (harm not prevented)");
        plot.YLabel("rejected successes (good calls refused)");
        plot.Axes.Margins(0.08, 0.12);
        plot.ShowLegend(Edge.Bottom);
        ChartFonts.Save(plot, path, 1200, 800);
    }

    /// <summary>
    /// Where a point's label goes: towards the middle of the chart from the point, so that it stays inside the data area
    /// wherever the point is (a label to the upper right of a point on the right edge was cut off).
    /// </summary>
    /// <returns>The label's corner at the point, and its offset in pixels away from the marker.</returns>
    internal static (Alignment Alignment, float OffsetX, float OffsetY) LabelPlacement((double X, double Y) point, IReadOnlyList<(double X, double Y)> points)
    {
        var middleX = (points.Min(p => p.X) + points.Max(p => p.X)) / 2;
        var middleY = (points.Min(p => p.Y) + points.Max(p => p.Y)) / 2;
        var toLeft = point.X > middleX;
        var below = point.Y > middleY;
        var alignment = (below, toLeft) switch
        {
            (true, true) => Alignment.UpperRight,
            (true, false) => Alignment.UpperLeft,
            (false, true) => Alignment.LowerRight,
            (false, false) => Alignment.LowerLeft,
        };

        // Pixels grow downwards: a label above the point moves up (negative), one below moves down.
        return (alignment, toLeft ? -12 : 12, below ? 12 : -12);
    }
}
