namespace PollyBreakerExt.PackageTests;

/// <summary>Runs named checks, prints one line each and a closing count; a check fails by throwing.</summary>
internal sealed class Checks
{
    private int _passed;
    private int _failed;

    public bool AllPassed => _failed == 0;

    public async Task RunAsync(string name, Func<Task> check)
    {
        try
        {
            await check();
            _passed++;
            Console.WriteLine($"PASS {name}");
        }
        catch (Exception ex)
        {
            _failed++;
            Console.WriteLine($"FAIL {name}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public void PrintSummary() => Console.WriteLine($"package consumer: {_passed} passed, {_failed} failed");

    /// <summary>Throws with both values when they differ.</summary>
    public static void Expect<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvalidOperationException($"{what}: expected {expected}, was {actual}");
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the exception it threw, which must be a <typeparamref name="TException"/>.</summary>
    public static async Task<TException> ExpectThrows<TException>(Func<Task> action, string what)
        where TException : Exception
    {
        try
        {
            await action();
        }
        catch (TException ex)
        {
            return ex;
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{what}: expected {typeof(TException).Name}, got {ex.GetType().Name}: {ex.Message}");
        }

        throw new InvalidOperationException($"{what}: expected {typeof(TException).Name}, nothing was thrown");
    }
}
