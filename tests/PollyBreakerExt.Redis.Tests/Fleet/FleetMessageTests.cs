using System.Text;

namespace PollyBreakerExt.Redis.Tests.Fleet;

/// <summary>DESIGN W1, F7: the wire format reads back what was written, and a signature covers every field.</summary>
public sealed class FleetMessageTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void A_signed_message_reads_back_field_for_field()
    {
        var message = FleetMessage.Create(FleetMessageKind.Open, "replica-a", 1_700_000_000_000, "payments/SlowCall-CircuitBreaker", 30_000);

        var read = FleetMessage.TryParse(Encoding.UTF8.GetBytes(message.Serialize(Key)), Key, out var problem);

        Assert.Null(problem);
        Assert.Equal(message, read);
    }

    [Theory]
    [InlineData("\"t\":\"open\"", "\"t\":\"closed\"")]
    [InlineData("\"r\":\"replica-a\"", "\"r\":\"replica-b\"")]
    [InlineData("\"k\":\"payments\"", "\"k\":\"inventory\"")]
    [InlineData("\"b\":30000", "\"b\":300000")]
    [InlineData("\"ts\":1700000000000", "\"ts\":1700000000001")]
    public void Changing_any_signed_field_breaks_the_signature(string original, string tampered)
    {
        var text = FleetMessage.Create(FleetMessageKind.Open, "replica-a", 1_700_000_000_000, "payments", 30_000).Serialize(Key);
        Assert.Contains(original, text, StringComparison.Ordinal);

        var read = FleetMessage.TryParse(Encoding.UTF8.GetBytes(text.Replace(original, tampered, StringComparison.Ordinal)), Key, out var problem);

        Assert.Null(read);
        Assert.Equal("unsigned or badly signed", problem);
    }

    [Fact]
    public void With_a_key_an_unsigned_message_or_one_signed_with_another_key_is_refused_and_without_one_both_are_read()
    {
        var unsigned = Encoding.UTF8.GetBytes(FleetMessage.Create(FleetMessageKind.Isolate, "r", 1, "k").Serialize(signingKey: null));
        var otherKey = Encoding.UTF8.GetBytes(FleetMessage.Create(FleetMessageKind.Isolate, "r", 1, "k").Serialize(new byte[32]));

        Assert.Null(FleetMessage.TryParse(unsigned, Key, out _));
        Assert.Null(FleetMessage.TryParse(otherKey, Key, out _));
        Assert.NotNull(FleetMessage.TryParse(unsigned, signingKey: null, out _));
        Assert.NotNull(FleetMessage.TryParse(otherKey, signingKey: null, out _));
    }

    [Theory]
    [InlineData("", "malformed")]
    [InlineData("[]", "foreign")]
    [InlineData("{\"v\":\"1\"}", "foreign")]
    [InlineData("{\"v\":2,\"t\":\"open\"}", "malformed")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":5,\"n\":\"n\",\"ts\":1,\"k\":\"k\",\"b\":1,\"o\":1}", "malformed")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":\"\",\"n\":\"n\",\"ts\":1,\"k\":\"k\",\"b\":1,\"o\":1}", "malformed")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":\"r\",\"n\":\"n\",\"ts\":1.5,\"k\":\"k\",\"b\":1,\"o\":1}", "malformed")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":\"r\",\"n\":\"n\",\"ts\":1,\"k\":\"k\",\"b\":-1,\"o\":1}", "foreign")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":\"r\",\"n\":\"n\",\"ts\":1,\"k\":\"k\",\"b\":86400001,\"o\":1}", "foreign")]
    [InlineData("{\"v\":2,\"t\":\"open\",\"r\":\"r\",\"n\":\"n\",\"ts\":1,\"k\":\"k\",\"b\":9223372036854775807,\"o\":1}", "foreign")]
    public void What_is_not_a_message_of_this_version_is_refused_with_its_reason(string text, string expected)
    {
        Assert.Null(FleetMessage.TryParse(Encoding.UTF8.GetBytes(text), signingKey: null, out var problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void A_break_of_exactly_one_day_is_read()
    {
        var text = FleetMessage.Create(FleetMessageKind.Open, "r", 1, "k", FleetMessage.MaxBreakMilliseconds).Serialize(signingKey: null);

        Assert.Equal(86_400_000, FleetMessage.TryParse(Encoding.UTF8.GetBytes(text), signingKey: null, out _)?.BreakMilliseconds);
    }

    [Fact]
    public void An_oversized_message_is_refused_unread()
    {
        var huge = new byte[FleetMessage.MaxLength + 1];

        Assert.Null(FleetMessage.TryParse(huge, signingKey: null, out var problem));
        Assert.Equal("oversized", problem);
    }
}
