namespace PollyBreakerExt.Demo.Upstream;

/// <summary>What the upstream answers for one product.</summary>
public sealed record Product(int Id, string Name, double Price, int Stock);
