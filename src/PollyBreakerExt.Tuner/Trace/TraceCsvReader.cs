using System.Globalization;

namespace PollyBreakerExt.Tuner.Trace;

/// <summary>
/// Streams a trace CSV (header <c>start_ms,duration_ms,outcome</c>, columns in any order, extra columns ignored) row by
/// row. Every mistake is a <see cref="TunerInputException"/> naming the file and line.
/// </summary>
internal sealed class TraceCsvReader : IDisposable
{
    /// <summary>
    /// 10^14 ms, about 3,170 years: the replay's clock starts at the Unix epoch and <see cref="DateTimeOffset"/> ends
    /// about 2.5 * 10^14 ms later, so a call's start plus its duration (at most twice this) always fits on it.
    /// </summary>
    public const long MaxMilliseconds = 100_000_000_000_000;

    /// <summary>Most columns a header may have: each row is split on the stack, sized by the header.</summary>
    public const int MaxColumns = 64;

    private static readonly string[] Columns = ["start_ms", "duration_ms", "outcome"];

    private readonly TextReader _reader;
    private readonly string _name;
    private readonly int _fieldCount;
    private readonly int _startColumn;
    private readonly int _durationColumn;
    private readonly int _outcomeColumn;
    private long _line;
    private long _row;

    public TraceCsvReader(TextReader reader, string name)
    {
        _reader = reader;
        _name = name;
        var header = NextLine() ?? throw Error("the file is empty; the first line must be the header start_ms,duration_ms,outcome");
        var names = header.Split(',').Select(column => column.Trim().ToLowerInvariant()).ToList();
        if (names.Count > MaxColumns)
        {
            throw Error($"the header has {names.Count} columns; at most {MaxColumns} are allowed");
        }

        _fieldCount = names.Count;
        var missing = Columns.Where(column => !names.Contains(column)).ToList();
        if (missing.Count > 0)
        {
            throw Error($"the header '{header}' lacks column(s) {string.Join(", ", missing)}; it must name start_ms, duration_ms and outcome");
        }

        _startColumn = names.IndexOf("start_ms");
        _durationColumn = names.IndexOf("duration_ms");
        _outcomeColumn = names.IndexOf("outcome");
    }

    public static TraceCsvReader Open(string path)
    {
        StreamReader? file = null;
        try
        {
            file = new StreamReader(path, new FileStreamOptions { BufferSize = 1 << 16 });
            return new TraceCsvReader(file, path);
        }
        catch (Exception exception)
        {
            // The constructor reads and checks the header; when it throws, nothing else owns the file.
            file?.Dispose();
            if (exception is IOException or UnauthorizedAccessException)
            {
                throw new TunerInputException($"{path}: cannot read the trace: {exception.Message}");
            }

            throw;
        }
    }

    /// <summary>Reads the next call; <see langword="false"/> at the end of the file.</summary>
    public bool TryRead(out TraceCall call)
    {
        var line = NextLine();
        if (line is null)
        {
            call = default;
            return false;
        }

        Span<Range> fields = stackalloc Range[_fieldCount + 1];
        var text = line.AsSpan();
        var count = text.Split(fields, ',');
        if (count != _fieldCount)
        {
            throw Error($"expected {_fieldCount} fields like the header, found {count}: '{line}'");
        }

        var start = Milliseconds(text[fields[_startColumn]], "start_ms");
        var duration = Milliseconds(text[fields[_durationColumn]], "duration_ms");
        var outcome = text[fields[_outcomeColumn]].Trim();
        bool failure;
        if (outcome.Equals("failure", StringComparison.OrdinalIgnoreCase))
        {
            failure = true;
        }
        else if (outcome.Equals("success", StringComparison.OrdinalIgnoreCase))
        {
            failure = false;
        }
        else
        {
            throw Error($"unknown outcome '{outcome}'; it must be success or failure");
        }

        call = new TraceCall(_row++, start, duration, failure);
        return true;
    }

    public void Dispose() => _reader.Dispose();

    private string? NextLine()
    {
        while (true)
        {
            var line = _reader.ReadLine();
            _line++;
            if (line is null || !string.IsNullOrWhiteSpace(line))
            {
                return line;
            }
        }
    }

    private long Milliseconds(ReadOnlySpan<char> field, string column)
    {
        var text = field.Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"{column} '{text}' is not a whole number of milliseconds");
        }

        if (value < 0)
        {
            throw Error($"{column} {value} is negative");
        }

        return value <= MaxMilliseconds ? value : throw Error($"{column} {value} is too large (at most {MaxMilliseconds})");
    }

    private TunerInputException Error(string message) => new($"{_name}, line {_line}: {message}");
}
