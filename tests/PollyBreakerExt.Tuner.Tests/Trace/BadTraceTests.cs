using PollyBreakerExt.Tuner.Tests.Utils;

namespace PollyBreakerExt.Tuner.Tests.Trace;

/// <summary>A bad trace is refused with one line naming the file, the line and what is wrong; exit code 2, no stack trace.</summary>
public sealed class BadTraceTests : IDisposable
{
    private readonly TempFiles _files = new();

    [Theory]
    [InlineData("start_ms,duration_ms\n0,5\n", "line 1", "lacks column(s) outcome")]
    [InlineData("when,duration_ms,outcome\n0,5,success\n", "line 1", "start_ms")]
    [InlineData("", "line 1", "the file is empty")]
    [InlineData("start_ms,duration_ms,outcome\n0,5,success\n10,abc,success\n", "line 3", "duration_ms 'abc' is not a whole number")]
    [InlineData("start_ms,duration_ms,outcome\n0,1.5,success\n", "line 2", "duration_ms '1.5' is not a whole number")]
    [InlineData("start_ms,duration_ms,outcome\n0,5,success\n\n20,-3,failure\n", "line 4", "duration_ms -3 is negative")]
    [InlineData("start_ms,duration_ms,outcome\n-1,5,success\n", "line 2", "start_ms -1 is negative")]
    [InlineData("start_ms,duration_ms,outcome\n0,5,timeout\n", "line 2", "unknown outcome 'timeout'; it must be success or failure")]
    [InlineData("start_ms,duration_ms,outcome\n0,5\n", "line 2", "expected 3 fields like the header, found 2")]
    [InlineData("start_ms,duration_ms,outcome\n0,5,success,extra\n", "line 2", "found 4")]
    [InlineData("start_ms,duration_ms,outcome\n99999999999999999999,5,success\n", "line 2", "start_ms '99999999999999999999' is not a whole number")]
    [InlineData("start_ms,duration_ms,outcome\n0,5,success\n300000000000000,5,success\n", "line 3", "start_ms 300000000000000 is too large (at most 100000000000000)")]
    [InlineData("start_ms,duration_ms,outcome\n0,300000000000000,failure\n", "line 2", "duration_ms 300000000000000 is too large")]
    public void Is_refused_naming_the_line(string csv, string line, string message)
    {
        var trace = _files.Write("calls.csv", csv);
        var options = _files.Write("breaker.json", "{}");

        foreach (var args in new[] { new[] { "replay", "--trace", trace, "--options", options }, ["sweep", "--trace", trace, "--grid", options] })
        {
            var (exitCode, output, error) = Tune.Run(args);

            Assert.Equal(2, exitCode);
            Assert.Empty(output);
            Assert.StartsWith($"error: {trace}, {line}: ", error, StringComparison.Ordinal);
            Assert.Contains(message, error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("start_ms,duration_ms\n0,5\n")]
    [InlineData("")]
    public void A_refused_header_leaves_the_file_closed(string csv)
    {
        var trace = _files.Write("calls.csv", csv);

        var (exitCode, _, _) = Tune.Run("replay", "--trace", trace, "--options", _files.Write("breaker.json", "{}"));

        Assert.Equal(2, exitCode);
        // Exclusive access fails while any handle on the file is open (an advisory lock on Unix).
        using var exclusive = new FileStream(trace, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var (exitCode, _, error) = Tune.Run("replay", "--trace", _files.Path("nowhere.csv"), "--options", _files.Write("breaker.json", "{}"));

        Assert.Equal(2, exitCode);
        Assert.Contains("nowhere.csv: cannot read the trace", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsorted_rows_columns_in_another_order_and_extra_columns_are_accepted()
    {
        var trace = _files.Write("calls.csv", "outcome,host,start_ms,duration_ms\nSUCCESS,a,30,1\nfailure,b,0,2\nfailure,c,10,0\n");

        var (exitCode, output, error) = Tune.Run("replay", "--trace", trace, "--options", _files.Write("breaker.json", """{ "FailureThreshold": 2 }"""), "--format", "json");

        Assert.True(exitCode == 0, error);
        Assert.Contains("\"rejected\": 1", output, StringComparison.Ordinal);
        Assert.Contains("\"firstOpenMs\": 10", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(500_000)]
    public void A_header_with_too_many_columns_is_refused(int columns)
    {
        var extra = string.Concat(Enumerable.Repeat(",x", columns - 3));
        var trace = _files.Write("calls.csv", $"start_ms,duration_ms,outcome{extra}\n0,5,success{extra}\n");

        var (exitCode, _, error) = Tune.Run("replay", "--trace", trace, "--options", _files.Write("breaker.json", "{}"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"error: {trace}, line 1: the header has {columns} columns; at most 64 are allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sixty_four_columns_are_accepted()
    {
        var extra = string.Concat(Enumerable.Repeat(",x", 61));
        var trace = _files.Write("calls.csv", $"start_ms,duration_ms,outcome{extra}\n0,5,success{extra}\n");

        var (exitCode, _, error) = Tune.Run("replay", "--trace", trace, "--options", _files.Write("breaker.json", "{}"));

        Assert.True(exitCode == 0, error);
    }

    [Fact]
    public void The_largest_start_and_duration_replay_together()
    {
        var trace = _files.Write("calls.csv", "start_ms,duration_ms,outcome\n100000000000000,100000000000000,failure\n");

        var (exitCode, output, error) = Tune.Run("replay", "--trace", trace, "--options", _files.Write("breaker.json", "{}"), "--format", "json");

        Assert.True(exitCode == 0, error);
        Assert.Contains("\"admittedFailures\": 1", output, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
