using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Polly;

namespace PollyBreakerExt.Tuner.Options;

/// <summary>
/// One configuration to replay: the options' properties as JSON values, exactly as an appsettings section would give
/// them, bound to <see cref="SlowCallCircuitBreakerStrategyOptions"/> by the configuration binder.
/// </summary>
internal sealed class CandidateOptions
{
    private static readonly Dictionary<string, Type> Bindable = typeof(SlowCallCircuitBreakerStrategyOptions)
        .GetProperties()
        .Where(property => property.CanWrite && IsBindable(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
        .ToDictionary(property => property.Name, property => property.PropertyType, StringComparer.OrdinalIgnoreCase);

    private CandidateOptions(string source, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        Source = source;
        Properties = properties;
        Json = "{" + string.Join(",", properties.Select(p => $"{JsonSerializer.Serialize(p.Key)}:{p.Value}")) + "}";
    }

    /// <summary>Gets where the candidate came from, for error messages: a file name, or a file name and combination.</summary>
    public string Source { get; }

    /// <summary>Gets the properties in the order given, each with its raw JSON value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; }

    /// <summary>Gets the candidate as one compact JSON object.</summary>
    public string Json { get; }

    /// <summary>Gets the names of the options' properties that configuration can bind.</summary>
    public static IEnumerable<string> BindableNames => Bindable.Keys.Order(StringComparer.Ordinal);

    /// <summary>Checks names and values and builds the real breaker once, so a bad candidate fails before any replay.</summary>
    public static CandidateOptions Create(string source, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        var candidate = new CandidateOptions(source, properties);
        var options = candidate.CreateOptions();
        try
        {
            new ResiliencePipelineBuilder().AddSlowCallCircuitBreaker(options);
        }
        catch (ValidationException invalid)
        {
            var problems = invalid.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .SkipWhile(line => !line.StartsWith("Validation Errors", StringComparison.Ordinal))
                .Skip(1);
            throw new TunerInputException($"{source}: the options do not validate: {string.Join(" ", problems.DefaultIfEmpty(invalid.Message))}");
        }

        return candidate;
    }

    /// <summary>Returns fresh options bound from the candidate's values.</summary>
    public SlowCallCircuitBreakerStrategyOptions CreateOptions()
    {
        var options = new SlowCallCircuitBreakerStrategyOptions();
        foreach (var (name, value) in Properties)
        {
            if (!Bindable.TryGetValue(name, out var type))
            {
                throw new TunerInputException($"{Source}: unknown property '{name}'; the options' properties are {string.Join(", ", BindableNames)}");
            }

            if (value == "null" && Nullable.GetUnderlyingType(type) is null && type.IsValueType)
            {
                throw new TunerInputException($"{Source}: property '{name}' cannot be null (null turns off FailureThreshold, FailureRatio or SlowCallDurationThreshold only)");
            }

            var json = $"{{{JsonSerializer.Serialize(name)}:{value}}}";
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            try
            {
                configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException bad)
            {
                throw new TunerInputException($"{Source}: property '{name}': {value} is not a valid {TypeName(type)} ({bad.Message})");
            }
        }

        return options;
    }

    private static bool IsBindable(Type type)
        => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);

    private static string TypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var name = (underlying ?? type) == typeof(TimeSpan) ? "TimeSpan such as \"00:00:02\"" : (underlying ?? type).Name;
        return underlying is null ? name : string.Create(CultureInfo.InvariantCulture, $"{name} or null");
    }
}
