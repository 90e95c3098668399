using ScottPlot;

namespace PollyBreakerExt.Tuner.Charts;

/// <summary>
/// DejaVu Sans, shipped next to the tool as the demo ships it, so chart text renders on a machine without fonts
/// (SkiaSharp's Linux asset without dependencies finds no fontconfig there).
/// </summary>
internal static class ChartFonts
{
    private const string Name = "Tuner Sans";

    private static readonly Lazy<string> Registered = new(Register);

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

    public static void Save(Plot plot, string path, int width, int height)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // The extension says the format; the command line accepts only these two.
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            plot.SaveSvg(path, width, height);
        }
        else
        {
            plot.SavePng(path, width, height);
        }
    }
}
