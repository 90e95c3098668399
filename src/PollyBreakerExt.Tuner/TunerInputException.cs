namespace PollyBreakerExt.Tuner;

/// <summary>Bad input (a trace line, an options property, a command-line value): reported as one line, exit code 2.</summary>
internal sealed class TunerInputException(string message) : Exception(message);
