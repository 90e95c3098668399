using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace PollyBreakerExt;

/// <summary>
/// Validates one named <see cref="HttpSlowCallResilienceOptions"/> at startup, naming every offending key.
/// </summary>
/// <remarks>
/// Each strategy's options are checked with their own rules (data annotations and <see cref="IValidatableObject"/>), the
/// same rules Polly's builder applies later, so a bad <c>appsettings.json</c> stops the host from starting instead of
/// failing the first request. When the options were bound from configuration the errors name the full configuration key.
/// </remarks>
internal sealed class HttpSlowCallResilienceOptionsValidator : IValidateOptions<HttpSlowCallResilienceOptions>
{
    private readonly string _optionsName;
    private readonly string? _configurationPath;

    public HttpSlowCallResilienceOptionsValidator(string optionsName, string? configurationPath)
    {
        _optionsName = optionsName;
        _configurationPath = string.IsNullOrEmpty(configurationPath) ? null : configurationPath;
    }

    public ValidateOptionsResult Validate(string? name, HttpSlowCallResilienceOptions options)
    {
        if (!string.Equals(name, _optionsName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        ValidateStrategy(options.CircuitBreaker, nameof(options.CircuitBreaker), errors);
        ValidateStrategy(options.TotalRequestTimeout, nameof(options.TotalRequestTimeout), errors);
        ValidateStrategy(options.Retry, nameof(options.Retry), errors);
        ValidateStrategy(options.AttemptTimeout, nameof(options.AttemptTimeout), errors);

        if (options.TotalRequestTimeout is { } total)
        {
            if (options.AttemptTimeout is { } attempt && attempt.Timeout > total.Timeout)
            {
                errors.Add(Error(
                    $"AttemptTimeout:Timeout ({attempt.Timeout}) must not exceed TotalRequestTimeout:Timeout ({total.Timeout}).",
                    "AttemptTimeout:Timeout",
                    "TotalRequestTimeout:Timeout"));
            }

            if (options.CircuitBreaker?.SlowCallDurationThreshold is { } slow && slow > total.Timeout)
            {
                errors.Add(Error(
                    $"CircuitBreaker:SlowCallDurationThreshold ({slow}) must not exceed TotalRequestTimeout:Timeout ({total.Timeout}): no request outlives the total timeout, so none would ever count as slow.",
                    "CircuitBreaker:SlowCallDurationThreshold",
                    "TotalRequestTimeout:Timeout"));
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Data annotations read the options' properties by reflection. They are Polly's and this library's strategy options,
    // whose every property the strategies read, so trimming keeps them with their attributes (as Polly says of its own
    // validation); the display name is given, so no attribute lookup on the type is needed.
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "All options members are preserved.")]
    private void ValidateStrategy(object? strategyOptions, string key, List<string> errors)
    {
        if (strategyOptions is null)
        {
            errors.Add(Error($"{key} is required.", key));
            return;
        }

        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(strategyOptions, new ValidationContext(strategyOptions, key, serviceProvider: null, items: null), results, validateAllProperties: true))
        {
            return;
        }

        foreach (var result in results)
        {
            var keys = result.MemberNames.Any() ? result.MemberNames.Select(member => $"{key}:{member}").ToArray() : [key];
            errors.Add(Error(result.ErrorMessage ?? "is invalid.", keys));
        }
    }

    private string Error(string message, params string[] keys)
    {
        var quoted = string.Join(", ", keys.Select(key => $"'{(_configurationPath is null ? key : $"{_configurationPath}:{key}")}'"));
        return _configurationPath is null
            ? $"Invalid {nameof(HttpSlowCallResilienceOptions)} '{_optionsName}' at {quoted}: {message}"
            : $"Invalid configuration at {quoted}: {message}";
    }
}
