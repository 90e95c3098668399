using System.Globalization;

namespace PollyBreakerExt;

/// <summary>
/// The options of a <see cref="RedisCircuitBreakerFleet"/>; bindable from configuration (<see cref="SigningKey"/> as base64).
/// </summary>
public sealed class RedisCircuitBreakerFleetOptions
{
    /// <summary>The smallest <see cref="SigningKey"/> accepted: HMAC-SHA256's own block of 32 bytes.</summary>
    internal const int MinimumSigningKeyLength = 32;

    private string _path = "RedisCircuitBreakerFleetOptions.";

    /// <summary>
    /// Gets or sets the start of every Redis key and channel the fleet uses, followed by <c>:</c>. Replicas of one
    /// service share a prefix; services that must not share breakers use different ones. Default <c>pollybreakerext</c>;
    /// no braces (the fleet puts each breaker's keys in one Redis Cluster slot with a hash tag of its own).
    /// </summary>
    public string KeyPrefix { get; set; } = "pollybreakerext";

    /// <summary>
    /// Gets or sets this replica's identity in the fleet; <see langword="null"/> (the default) makes one that survives a
    /// restart: the machine's name and the lowest slot free among this machine's live fleets of the same
    /// <see cref="KeyPrefix"/> (<c>web-7f9c-0</c>), so a replica that restarts does not vote twice toward the quorum.
    /// Two live replicas must never share one: each ignores the other's messages as its own echo.
    /// </summary>
    public string? ReplicaId { get; set; }

    /// <summary>
    /// Gets or sets how many distinct replicas must report a trip of the same breaker within <see cref="QuorumWindow"/>
    /// before the whole fleet opens it. Default 1; with more, a replica that trips alone stays open alone.
    /// </summary>
    public int Quorum { get; set; } = 1;

    /// <summary>Gets or sets how long a replica's trip report counts toward <see cref="Quorum"/>. Default 60 seconds.</summary>
    public TimeSpan QuorumWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how long the one replica that probes after a fleet-wide break holds its lease: if its result has not
    /// arrived by then (it died), another replica probes. Default 30 seconds; make it longer than a probe takes.
    /// </summary>
    public TimeSpan ProbeLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the key of the HMAC-SHA256 that signs every message and stored state, at least 32 bytes;
    /// <see langword="null"/> (the default) signs nothing. Set, a replica ignores whatever lacks a valid signature of this key.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "A key is bytes, and configuration binds byte[] from base64.")]
    public byte[]? SigningKey { get; set; }

    /// <summary>Throws when a value is out of range, naming the property (under <paramref name="configurationPath"/> when bound from there).</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    internal void Validate(string? configurationPath = null)
    {
        _path = string.IsNullOrEmpty(configurationPath) ? "RedisCircuitBreakerFleetOptions." : configurationPath + ":";
        if (string.IsNullOrWhiteSpace(KeyPrefix))
        {
            throw Invalid(nameof(KeyPrefix), "must not be empty or blank.");
        }

        if (KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw Invalid(nameof(KeyPrefix), $"must not contain '{{' or '}}' (Redis Cluster reads braces as a hash tag, and the fleet tags each breaker's keys itself), was '{KeyPrefix}'.");
        }

        if (ReplicaId is not null && string.IsNullOrWhiteSpace(ReplicaId))
        {
            throw Invalid(nameof(ReplicaId), "must be null (generated) or not blank.");
        }

        if (Quorum < 1)
        {
            throw Invalid(nameof(Quorum), $"must be at least 1, was {Quorum}.");
        }

        if (QuorumWindow <= TimeSpan.Zero)
        {
            throw Invalid(nameof(QuorumWindow), $"must be positive, was {QuorumWindow}.");
        }

        if (ProbeLease <= TimeSpan.Zero)
        {
            throw Invalid(nameof(ProbeLease), $"must be positive, was {ProbeLease}.");
        }

        if (SigningKey is { Length: < MinimumSigningKeyLength } key)
        {
            throw Invalid(nameof(SigningKey), $"must be null or at least {MinimumSigningKeyLength} bytes, was {key.Length}.");
        }
    }

    internal RedisCircuitBreakerFleetOptions Clone() => new()
    {
        KeyPrefix = KeyPrefix,
        ReplicaId = ReplicaId,
        Quorum = Quorum,
        QuorumWindow = QuorumWindow,
        ProbeLease = ProbeLease,
        SigningKey = SigningKey is null ? null : [.. SigningKey],
    };

    private ArgumentException Invalid(string property, string problem)
        => new(string.Create(CultureInfo.InvariantCulture, $"{_path}{property} {problem}"), property);
}
