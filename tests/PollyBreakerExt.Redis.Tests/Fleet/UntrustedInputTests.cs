using System.Text;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F7: malformed, foreign, oversized, replayed, own-echoed and badly signed messages change nothing.</summary>
public sealed class UntrustedInputTests : IAsyncLifetime
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private static readonly byte[] KeyA = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] KeyB = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Garbage_foreign_oversized_and_forged_own_echo_messages_are_ignored_and_counted()
    {
        using var messages = new FleetMessages();
        await using var replica = await Replica.StartAsync(_server);
        var breaker = replica.Breaker("payments", Break);
        await replica.Fleet.DrainAsync(); // joined: subscribed to the breakers' channels
        var open = $$"""{"v":2,"t":"open","r":"intruder","n":"n1","ts":{{await RedisTimeAsync()}},"k":"payments","b":30000,"o":1}""";
        byte[][] hostile =
        [
            [0xff, 0x00, 0x13],
            Encoding.UTF8.GetBytes("{\"v\":2,\"t\":\"open\""),
            Encoding.UTF8.GetBytes(open.Replace("\"v\":2", "\"v\":3", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"t\":\"open\"", "\"t\":\"explode\"", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"b\":30000", "\"b\":-5", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"b\":30000", "\"b\":9223372036854775807", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"b\":30000", "\"b\":86400001", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"b\":30000", "\"b\":30000,\"pad\":\"" + new string('x', 5000) + "\"", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("intruder", replica.Fleet.ReplicaId, StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"t\":\"open\"", "\"t\":\"vote\"", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(open.Replace("\"ts\":", "\"ts\":1", StringComparison.Ordinal)),
        ];

        foreach (var message in hostile)
        {
            await _server.PublishAsync("test:events:{payments}", message);
        }

        await Eventually.HoldsAsync(() => messages.Count(replica.Fleet, "ignored") == hostile.Length, $"all {hostile.Length} are ignored");
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Empty(breaker.TransitionsSoFar());
        Assert.Equal(0, messages.Count(replica.Fleet, "received"));

        // The same message, well formed and from another replica, does open it: the ones above failed on what was wrong.
        await _server.PublishAsync("test:events:{payments}", Encoding.UTF8.GetBytes(open));
        await Eventually.HoldsAsync(() => breaker.State == CircuitState.Open, "a well-formed open message opens the breaker");
        Assert.Equal(1, messages.Count(replica.Fleet, "received"));
    }

    [Fact]
    public async Task A_slow_state_change_callback_does_not_hold_up_the_messages_behind_it()
    {
        using var messages = new FleetMessages();
        using var gate = new ManualResetEventSlim();
        await using var replica = await Replica.StartAsync(_server);
        var slow = new TestBreaker("slow", replica.Fleet, Break, onStateChanged: args =>
        {
            if (args.NewState == CircuitState.Open)
            {
                gate.Wait(TimeSpan.FromSeconds(10)); // an OnOpened that blocks before its first await
            }
        });
        var other = replica.Breaker("payments", Break);
        await replica.Fleet.DrainAsync(); // joined: subscribed to the breakers' channels
        var now = await RedisTimeAsync();

        await _server.PublishAsync("test:events:{slow}", Encoding.UTF8.GetBytes($$"""{"v":2,"t":"open","r":"peer","n":"n1","ts":{{now}},"k":"slow","b":30000,"o":1}"""));
        await _server.PublishAsync("test:events:{payments}", Encoding.UTF8.GetBytes($$"""{"v":2,"t":"open","r":"peer","n":"n2","ts":{{now}},"k":"payments","b":30000,"o":1}"""));

        try
        {
            await Eventually.HoldsAsync(() => messages.Count(replica.Fleet, "received") == 2, "both messages are received while the callback blocks");
        }
        finally
        {
            gate.Set();
        }

        await Eventually.HoldsAsync(() => slow.State == CircuitState.Open && other.State == CircuitState.Open, "both breakers open, in order, once it returns");
    }

    [Fact]
    public async Task A_replayed_message_is_ignored_and_a_replicas_own_echo_is_counted_as_ignored()
    {
        using var messages = new FleetMessages();
        await using var captured = await CapturedMessages.StartAsync(_server, "test:events:{payments}");
        await using var r0 = await Replica.StartAsync(_server);
        await using var r1 = await Replica.StartAsync(_server);
        var b0 = r0.Breaker("payments", Break);
        var b1 = r1.Breaker("payments", Break);
        await r0.Fleet.DrainAsync();
        await r1.Fleet.DrainAsync(); // joined: subscribed to the breaker's channel, so the open is heard, not read

        b0.Fail();
        await Eventually.HoldsAsync(() => b1.State == CircuitState.Open, "the fleet opens");
        await Eventually.HoldsAsync(() => messages.Count(r0.Fleet, "ignored") == 1, "the tripping replica ignores its own echo");
        await Eventually.HoldsAsync(() => messages.Count(r0.Fleet, "sent") == 1, "the trip was sent once");
        await Eventually.HoldsAsync(() => messages.Count(r1.Fleet, "received") == 1, "the other replica received it");
        await r0.Fleet.CloseAsync("payments");
        await Eventually.HoldsAsync(() => b1.State == CircuitState.Closed, "the fleet closes");

        await _server.PublishAsync("test:events:{payments}", captured[0]);

        await Eventually.HoldsAsync(() => messages.Count(r1.Fleet, "ignored") == 1, "the replay is ignored");
        Assert.Equal(CircuitState.Closed, b1.State);
        Assert.Equal(2, messages.Count(r1.Fleet, "received")); // the open and the close, not the replay
        Assert.Equal(0, messages.Count(r1.Fleet, "sent"));
    }

    [Fact]
    public async Task With_a_signing_key_a_replica_with_another_key_or_none_cannot_open_isolate_or_close_anyone()
    {
        await using var a0 = await Replica.StartAsync(_server, options => options.SigningKey = KeyA);
        await using var a1 = await Replica.StartAsync(_server, options => options.SigningKey = KeyA);
        await using var otherKey = await Replica.StartAsync(_server, options => options.SigningKey = KeyB);
        await using var noKey = await Replica.StartAsync(_server);
        var trusted0 = a0.Breaker("payments", Break);
        var trusted1 = a1.Breaker("payments", Break);
        var wrong = otherKey.Breaker("payments", Break);
        var unsigned = noKey.Breaker("payments", Break);

        wrong.Fail();
        unsigned.Fail();
        await noKey.Fleet.IsolateAsync("inventory");
        await Task.Delay(500);

        Assert.Equal(CircuitState.Closed, trusted0.State);
        Assert.Equal(CircuitState.Closed, trusted1.State);

        // Nor through stored state: a trusted replica joining now ignores the unsigned open break and isolation.
        var joinerPayments = a1.Breaker("payments", Break);
        var joinerInventory = a1.Breaker("inventory", Break);
        await Task.Delay(500);
        Assert.Equal(CircuitState.Closed, joinerPayments.State);
        Assert.Equal(CircuitState.Closed, joinerInventory.State);

        // The trusted replicas still hear each other; the foreign ones cannot close what they opened.
        trusted0.Fail();
        await Eventually.HoldsAsync(() => trusted1.State == CircuitState.Open, "a trusted replica's trip travels");
        Assert.Equal(CircuitState.Open, joinerPayments.State);
        await noKey.Fleet.CloseAsync("payments");
        await otherKey.Fleet.CloseAsync("payments");
        await Task.Delay(500);
        Assert.Equal(CircuitState.Open, trusted1.State);
    }

    private async Task<long> RedisTimeAsync()
    {
        await using var admin = await _server.AdminAsync();
        return await RedisServer.TimeAsync(admin);
    }
}
