namespace PollyBreakerExt;

/// <summary>
/// What a completed call was, for the breaker.
/// </summary>
internal enum CallClassification
{
    Success,
    Failure,

    /// <summary>The caller cancelled it: it is not recorded.</summary>
    Ignored,
}
