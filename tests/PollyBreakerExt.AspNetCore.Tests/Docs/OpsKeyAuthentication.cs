using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PollyBreakerExt.AspNetCore.Tests.Docs;

// snippet: operator-endpoints-ops-key-handler
public sealed class OpsKeyOptions : AuthenticationSchemeOptions
{
    public string? Key { get; set; }
}

/// <summary>Signs in, in the role "ops", a request whose X-Ops-Key header is the configured key.</summary>
public sealed class OpsKeyHandler(IOptionsMonitor<OpsKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<OpsKeyOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var sent = Request.Headers["X-Ops-Key"].ToString();
        if (string.IsNullOrEmpty(Options.Key) || sent.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult()); // no key configured or sent: 401
        }

        // Fixed-time comparison, so the answer's timing does not tell how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(Options.Key)))
        {
            return Task.FromResult(AuthenticateResult.Fail("Wrong X-Ops-Key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, "ops")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
// end snippet
