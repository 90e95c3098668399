using System.Globalization;
using System.Net;

namespace PollyBreakerExt.Demo;

/// <summary>Parses the command line; every mistake is reported with its reason so usage can be printed.</summary>
public static class DemoOptionsParser
{
    public const string Usage = """
        Usage: dotnet run --project src/PollyBreakerExt.Demo -- [options]

        Runs a product API whose upstream goes healthy -> slow -> failing -> recovered, protected by the
        slow-call circuit breaker, and charts what the breaker did.

        Options:
          --duration <seconds>  Length of the scenario at speed 1 (default 60, at least 20).
          --speed <factor>      Run everything this many times faster: phases, latencies, breaker
                                timings (default 1, from 0.25 to 20). Wall time = duration / speed.
          --clients <n>         Concurrent clients (default 8, from 1 to 64).
          --out <file.png>      Where to write the timeline chart (default breaker-timeline.png).
          --plain               Print plain lines instead of live widgets (automatic when redirected).
          --serve               Keep the product API running for curl instead of the scenario.
          --urls <url>          With --serve: where it listens, on loopback (default http://127.0.0.1:5080).
          --fleet <redis>       Three replicas of the product API sharing their breakers over Redis
                                (a StackExchange.Redis connection string, e.g. 127.0.0.1:6379).
          -h, --help            Show this help.
        """;

    /// <summary>Parses <paramref name="args"/>; on failure returns <see langword="null"/> and sets <paramref name="error"/>.</summary>
    public static DemoOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new DemoOptions();
        error = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            if (!seen.Add(name))
            {
                error = $"'{name}' is given more than once.";
                return null;
            }

            switch (name)
            {
                case "-h" or "--help" or "-?":
                    options = options with { Help = true };
                    break;
                case "--serve":
                    options = options with { Serve = true };
                    break;
                case "--plain":
                    options = options with { Plain = true };
                    break;
                case "--duration" or "--speed" or "--clients" or "--out" or "--urls" or "--fleet":
                    var value = inlineValue;
                    if (value is null)
                    {
                        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                        {
                            error = $"'{name}' needs a value.";
                            return null;
                        }

                        value = args[++i];
                    }

                    options = Apply(options, name, value, out error);
                    if (error is not null)
                    {
                        return null;
                    }

                    break;
                default:
                    error = $"Unknown argument '{args[i]}'.";
                    return null;
            }
        }

        if (seen.Contains("--urls") && !options.Serve)
        {
            error = "'--urls' applies only with '--serve'.";
            return null;
        }

        return options;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static DemoOptions Apply(DemoOptions options, string name, string value, out string? error)
    {
        error = null;
        switch (name)
        {
            case "--fleet":
                if (string.IsNullOrWhiteSpace(value))
                {
                    error = "'--fleet' needs a Redis connection string, e.g. 127.0.0.1:6379.";
                    return options;
                }

                return options with { Fleet = value };

            case "--duration":
                var seconds = ParseNumber(value.TrimEnd('s'));
                if (seconds is null || seconds < DemoOptions.MinimumDuration.TotalSeconds || seconds > 3600)
                {
                    error = $"'--duration {value}': give seconds from {DemoOptions.MinimumDuration.TotalSeconds} to 3600.";
                    return options;
                }

                return options with { Duration = TimeSpan.FromSeconds(seconds.Value) };

            case "--speed":
                var speed = ParseNumber(value.TrimEnd('x'));
                if (speed is null || speed < DemoOptions.MinimumSpeed || speed > DemoOptions.MaximumSpeed)
                {
                    error = $"'--speed {value}': give a factor from {DemoOptions.MinimumSpeed} to {DemoOptions.MaximumSpeed}.";
                    return options;
                }

                return options with { Speed = speed.Value };

            case "--clients":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var clients) || clients is < 1 or > 64)
                {
                    error = $"'--clients {value}': give a whole number from 1 to 64.";
                    return options;
                }

                return options with { Clients = clients };

            case "--out":
                if (string.IsNullOrWhiteSpace(value) || !value.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    error = $"'--out {value}': give a file name ending in .png.";
                    return options;
                }

                return options with { OutPath = value };

            default: // --urls
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || !IsLoopback(uri))
                {
                    error = $"'--urls {value}': give one http URL on loopback, such as http://127.0.0.1:5080.";
                    return options;
                }

                return options with { Urls = value };
        }
    }

    private static double? ParseNumber(string value)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;

    private static bool IsLoopback(Uri uri)
        => uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
