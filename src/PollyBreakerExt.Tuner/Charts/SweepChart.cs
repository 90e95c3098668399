using System.Globalization;
using PollyBreakerExt.Tuner.Options;
using PollyBreakerExt.Tuner.Replay;
using PollyBreakerExt.Tuner.Sweep;
using ScottPlot;

namespace PollyBreakerExt.Tuner.Charts;

/// <summary>Every candidate as a point (admitted failures, rejected successes); the Pareto front joined and marked; the best labelled.</summary>
internal static class SweepChart
{
    public static void Write(string path, IReadOnlyList<CandidateOptions> candidates, IReadOnlyList<ReplayResult> results, int best)
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

        var winner = plot.Add.ScatterPoints(new double[] { results[best].AdmittedFailures }, new double[] { results[best].RejectedSuccesses }, new Color(46, 125, 50));
        winner.MarkerSize = 14;
        winner.MarkerShape = MarkerShape.FilledDiamond;
        winner.LegendText = "best: fewest admitted failures + rejected successes";
        // Label the best with what sets it apart: the properties that vary across the grid.
        var varying = candidates[best].Properties.Where(p => candidates.Any(c => !c.Properties.Contains(p))).Select(p => $"{p.Key}={p.Value}").ToList();
        var label = plot.Add.Text(string.Join("\n", varying.Count > 0 ? varying : ["(the only candidate)"]), results[best].AdmittedFailures, results[best].RejectedSuccesses);
        label.LabelFontSize = 12;
        label.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
        label.LabelAlignment = Alignment.LowerLeft;
        label.OffsetX = 10;
        label.OffsetY = -10;

        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Sweep over {results[0].Calls:N0} calls: failures let through vs good calls refused"));
        plot.XLabel("admitted failures (harm not prevented)");
        plot.YLabel("rejected successes (good calls refused)");
        plot.Axes.Margins(0.08, 0.12);
        plot.ShowLegend(Edge.Bottom);
        ChartFonts.Save(plot, path, 1200, 800);
    }
}
