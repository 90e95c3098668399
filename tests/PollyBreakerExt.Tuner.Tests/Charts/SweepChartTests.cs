using PollyBreakerExt.Tuner.Charts;
using ScottPlot;

namespace PollyBreakerExt.Tuner.Tests.Charts;

public class SweepChartTests
{
    private static readonly (double X, double Y)[] Corners = [(0, 0), (100, 0), (0, 50), (100, 50)];

    [Theory]
    [InlineData(100, 0, Alignment.LowerRight, -12, -12)] // bottom right (a breaker that never opens): up and to the left
    [InlineData(100, 50, Alignment.UpperRight, -12, 12)] // top right: down and to the left
    [InlineData(0, 50, Alignment.UpperLeft, 12, 12)]     // top left: down and to the right
    [InlineData(10, 5, Alignment.LowerLeft, 12, -12)]    // bottom left: up and to the right
    public void A_label_goes_from_its_point_towards_the_middle_of_the_chart(double x, double y, Alignment alignment, float offsetX, float offsetY)
    {
        Assert.Equal((alignment, offsetX, offsetY), SweepChart.LabelPlacement((x, y), Corners));
    }
}
