namespace PollyBreakerExt.Demo.Upstream;

public enum UpstreamAnswerKind
{
    Product,
    InternalServerError,
    ServiceUnavailable,
    DropConnection,
}
