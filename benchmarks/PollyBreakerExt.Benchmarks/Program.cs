using BenchmarkDotNet.Running;

namespace PollyBreakerExt.Benchmarks;

public static class Program
{
    // Every BenchmarkDotNet argument works: `--filter '*Rejection*'`, `--job short`, `--job dry`, `--list flat`.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
