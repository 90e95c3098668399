using ScottPlot;

namespace PollyBreakerExt.Demo.Reporting;

/// <summary>
/// The chart's font: DejaVu Sans, shipped in the demo's Fonts folder, so text renders the same on a machine without any
/// font installed (SkiaSharp's Linux native asset without dependencies finds no fontconfig there).
/// </summary>
public static class ChartFonts
{
    public const string Name = "Demo Sans";

    private static readonly Lazy<string> Registered = new(Register);

    /// <summary>Gets the font name to use: the shipped font when its files are there, ScottPlot's default otherwise.</summary>
    public static string Use() => Registered.Value;

    private static string Register()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fonts");
        var regular = Path.Combine(folder, "DejaVuSans.ttf");
        var bold = Path.Combine(folder, "DejaVuSans-Bold.ttf");
        if (!File.Exists(regular) || !File.Exists(bold))
        {
            return Fonts.Default;
        }

        Fonts.AddFontFile(Name, regular, bold: false, italic: false);
        Fonts.AddFontFile(Name, bold, bold: true, italic: false);
        return Name;
    }
}
