using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;

namespace PollyBreakerExt.Demo;

/// <summary>
/// The demo's command line, on System.CommandLine (as the tuner's). Each option is declared once, with its help text and
/// its check; a new option is one declaration here and one line in <see cref="Parse"/>.
/// </summary>
public static class DemoOptionsParser
{
    private static readonly Option<double> DurationOption = Value(
        "--duration",
        $"Length of the scenario at speed 1, in seconds (at least {DemoOptions.MinimumDuration.TotalSeconds}).",
        "seconds",
        new DemoOptions().Duration.TotalSeconds,
        text => ParseNumber(text.TrimEnd('s')) is { } seconds && seconds >= DemoOptions.MinimumDuration.TotalSeconds && seconds <= 3600 ? seconds : (double?)null,
        $"give seconds from {DemoOptions.MinimumDuration.TotalSeconds} to 3600");

    private static readonly Option<double> SpeedOption = Value(
        "--speed",
        $"Run everything this many times faster: phases, latencies, breaker timings (from {DemoOptions.MinimumSpeed} to {DemoOptions.MaximumSpeed}). Wall time = duration / speed.",
        "factor",
        new DemoOptions().Speed,
        text => ParseNumber(text.TrimEnd('x')) is { } speed && speed >= DemoOptions.MinimumSpeed && speed <= DemoOptions.MaximumSpeed ? speed : (double?)null,
        $"give a factor from {DemoOptions.MinimumSpeed} to {DemoOptions.MaximumSpeed}");

    private static readonly Option<int> ClientsOption = Value(
        "--clients",
        "Concurrent clients (from 1 to 64).",
        "n",
        new DemoOptions().Clients,
        text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var clients) && clients is >= 1 and <= 64 ? clients : (int?)null,
        "give a whole number from 1 to 64");

    private static readonly Option<string> OutOption = Value(
        "--out",
        "Where to write the timeline chart.",
        "file.png",
        new DemoOptions().OutPath,
        text => !string.IsNullOrWhiteSpace(text) && text.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? text : null,
        "give a file name ending in .png");

    private static readonly Option<bool> PlainOption = Flag("--plain", "Print plain lines instead of live widgets (automatic when redirected).");

    private static readonly Option<bool> ServeOption = Flag("--serve", "Keep the product API running for curl instead of the scenario.");

    private static readonly Option<string> UrlsOption = Value(
        "--urls",
        "With --serve: where it listens, on loopback.",
        "url",
        new DemoOptions().Urls,
        text => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri) ? text : null,
        "give one http URL on loopback, such as http://127.0.0.1:5080");

    private static readonly Option<string?> FleetOption = Value<string?>(
        "--fleet",
        "Three replicas of the product API sharing their breakers over Redis (a StackExchange.Redis connection string, e.g. 127.0.0.1:6379).",
        "redis",
        null,
        text => string.IsNullOrWhiteSpace(text) ? null : text,
        "give a Redis connection string, e.g. 127.0.0.1:6379");

    private static readonly RootCommand Command = CreateCommand();

    private static readonly Lazy<string> HelpText = new(RenderHelp);

    /// <summary>Gets the help text: what the demo does and every option.</summary>
    public static string Usage => HelpText.Value;

    /// <summary>Parses <paramref name="args"/>; on failure returns <see langword="null"/> and sets <paramref name="error"/>.</summary>
    public static DemoOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var result = Command.Parse([.. args]);
        error = null;
        if (result.Action is HelpAction)
        {
            return new DemoOptions { Help = true };
        }

        if (result.Errors.Count > 0)
        {
            error = result.Errors[0].Message;
            return null;
        }

        return new DemoOptions
        {
            Duration = TimeSpan.FromSeconds(result.GetValue(DurationOption)),
            Speed = result.GetValue(SpeedOption),
            Clients = result.GetValue(ClientsOption),
            OutPath = result.GetValue(OutOption)!,
            Plain = result.GetValue(PlainOption),
            Serve = result.GetValue(ServeOption),
            Urls = result.GetValue(UrlsOption)!,
            Fleet = result.GetValue(FleetOption),
        };
    }

    private static RootCommand CreateCommand()
    {
        var command = new RootCommand("""
            Runs a product API whose upstream goes healthy -> slow -> failing -> recovered, protected by the
            slow-call circuit breaker, and charts what the breaker did.
            Run it with: dotnet run --project src/PollyBreakerExt.Demo -- [options]
            """)
        {
            DurationOption, SpeedOption, ClientsOption, OutOption, PlainOption, ServeOption, UrlsOption, FleetOption,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(UrlsOption) is { Implicit: false } && !result.GetValue(ServeOption))
            {
                result.AddError("'--urls' applies only with '--serve'.");
            }
        });
        return command;
    }

    private static string RenderHelp()
    {
        using var output = new StringWriter();
        Command.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString().TrimEnd();
    }

    /// <summary>An option with one value, checked by <paramref name="parse"/>; a refusal reads "'--name value': hint.".</summary>
    private static Option<T> Value<T>(string name, string description, string helpName, T defaultValue, Func<string, object?> parse, string hint)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (parse(text) is T value)
                {
                    return value;
                }

                result.AddError($"'{name} {text}': {hint}.");
                return defaultValue;
            },
        };
        option.Validators.Add(OnlyOnce);
        return option;
    }

    private static Option<bool> Flag(string name, string description)
    {
        var option = new Option<bool>(name) { Description = description, Arity = ArgumentArity.Zero };
        option.Validators.Add(OnlyOnce);
        return option;
    }

    private static void OnlyOnce(OptionResult result)
    {
        if (result.IdentifierTokenCount > 1)
        {
            result.AddError($"'{result.IdentifierToken?.Value}' is given more than once.");
        }
    }

    private static double? ParseNumber(string value)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;

    private static bool IsLoopback(Uri uri)
        => uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
