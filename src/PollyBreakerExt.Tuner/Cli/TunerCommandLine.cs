using System.CommandLine;

namespace PollyBreakerExt.Tuner.Cli;

/// <summary>The options both commands share, declared once so their help reads the same.</summary>
internal static class TunerCommandLine
{
    public static Option<string> Trace() => new("--trace")
    {
        Description = "The trace CSV: header start_ms,duration_ms,outcome (success | failure), rows in any order.",
        Required = true,
        HelpName = "calls.csv",
    };

    public static Option<string?> Chart() => new("--chart")
    {
        Description = "Also write a chart to this file: PNG, or SVG when its name ends in .svg.",
        HelpName = "out.png",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (!text.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !text.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError($"'--chart {text}': give a file name ending in .png or .svg.");
            }

            return text;
        },
    };

    public static Option<string> Format()
    {
        var format = new Option<string>("--format")
        {
            Description = "How to print results: table or json.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json");
        return format;
    }

    public static Option<int> PositiveInt(string name, string description, int defaultValue, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max)
            {
                return value;
            }

            result.AddError($"'{name} {text}': give a whole number from 1 to {max}.");
            return defaultValue;
        },
    };
}
