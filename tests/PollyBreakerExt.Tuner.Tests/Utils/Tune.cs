namespace PollyBreakerExt.Tuner.Tests.Utils;

/// <summary>Runs the tool's command line in process, capturing what it prints.</summary>
public static class Tune
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = TunerProgram.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static IReadOnlyList<bool> ReadDecisions(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal("start_ms,admitted", lines[0]);
        return [.. lines.Skip(1).Select(line => bool.Parse(line.Split(',')[1]))];
    }
}
