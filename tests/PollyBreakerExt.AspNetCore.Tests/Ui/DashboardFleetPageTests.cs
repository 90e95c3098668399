using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PollyBreakerExt.AspNetCore.Tests.Ui;

/// <summary>
/// The dashboard of a replica in a Redis fleet, in a real headless Chromium: a fleet card names the replica and its
/// connection, says the buttons act on every replica, and its isolate button isolates the other replica's breaker too.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed class DashboardFleetPageTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private static readonly TestBreaker Orders = new("orders");

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_fleet_card_shows_the_replica_and_its_connection_and_isolates_every_replica()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await using var b = await FleetApp.StartAsync(_server, "replica-b", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected && b.Fleet.IsConnected, "both fleets connect");
        await using var tab = await DashboardTab.OpenAsync(chromium, a.App.Address);
        var card = tab.Card(Orders);

        await Expect(card.Locator(".fleet")).ToBeVisibleAsync();
        await Expect(card.Locator(".replica")).ToHaveTextAsync("replica-a");
        await Expect(card.Locator(".link")).ToHaveTextAsync("connected");
        await Expect(card.Locator(".fleet-note")).ToContainTextAsync("every replica");

        await card.GetByRole(AriaRole.Button, new() { Name = "Isolate " + Orders.Key + " on every replica", Exact = true }).ClickAsync();

        await Expect(card).ToHaveAttributeAsync("data-state", "Isolated");
        await Eventually.HoldsAsync(() => b.App.StateOf(Orders) == CircuitState.Isolated, "replica B's breaker isolates");
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_fleet_card_turns_disconnected_while_redis_is_down()
    {
        await using var a = await FleetApp.StartAsync(_server, "replica-a", Orders);
        await Eventually.HoldsAsync(() => a.Fleet.IsConnected, "the fleet connects");
        await using var tab = await DashboardTab.OpenAsync(chromium, a.App.Address);
        await Expect(tab.Card(Orders).Locator(".link")).ToHaveTextAsync("connected");

        await _server.StopAsync();

        await Expect(tab.Card(Orders).Locator(".link")).ToHaveTextAsync("disconnected", new() { Timeout = 15_000 });
        await Expect(tab.Card(Orders).Locator(".link")).ToHaveAttributeAsync("data-connected", "false");
        tab.AssertNoErrors();
    }
}
