using System.Globalization;

namespace PollyBreakerExt.Demo.Upstream;

/// <summary>
/// The upstream product service, in the same process on Kestrel at 127.0.0.1 on a free port; its answers follow
/// <see cref="UpstreamBehavior.Phase"/>.
/// </summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    public const int LastProductId = 9_999;

    private readonly WebApplication _app;

    private UpstreamServer(WebApplication app, UpstreamBehavior behavior)
    {
        _app = app;
        Behavior = behavior;
    }

    public UpstreamBehavior Behavior { get; }

    /// <summary>Gets the base address, such as http://127.0.0.1:41234/.</summary>
    public Uri Address => LoopbackWebApp.GetAddress(_app);

    public static async Task<UpstreamServer> StartAsync(UpstreamBehavior behavior, CancellationToken cancellationToken)
    {
        var app = LoopbackWebApp.CreateBuilder().Build();
        app.MapGet("/products/{id:int}", (int id, HttpContext context) => AnswerAsync(id, behavior, context));
        await app.StartAsync(cancellationToken);
        return new UpstreamServer(app, behavior);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private static async Task<IResult> AnswerAsync(int id, UpstreamBehavior behavior, HttpContext context)
    {
        var answer = behavior.Next();
        try
        {
            await Task.Delay(answer.Latency, TimeProvider.System, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return Results.Empty; // the caller gave up (an attempt timeout): nobody reads this answer
        }

        switch (answer.Kind)
        {
            case UpstreamAnswerKind.InternalServerError:
                return Results.Problem("Database connection pool exhausted.", statusCode: StatusCodes.Status500InternalServerError);
            case UpstreamAnswerKind.ServiceUnavailable:
                return Results.Problem("Overloaded: refusing work.", statusCode: StatusCodes.Status503ServiceUnavailable);
            case UpstreamAnswerKind.DropConnection:
                context.Abort(); // refused work: the connection closes without an answer
                return Results.Empty;
        }

        if (id is < 1 or > LastProductId)
        {
            return Results.NotFound();
        }

        return Results.Json(new Product(
            id,
            string.Create(CultureInfo.InvariantCulture, $"Product {id}"),
            Math.Round(5 + (id * 7.3 % 95), 2),
            id * 13 % 50));
    }
}
