using StackExchange.Redis;

namespace PollyBreakerExt;

/// <summary>What a replica hears from the fleet, and what it ignores (F2, F4, F6, F7).</summary>
public sealed partial class RedisCircuitBreakerFleet
{
    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        var bytes = (byte[]?)value ?? [];
        var message = FleetMessage.TryParse(bytes, _signingKey, out var problem);
        if (message is not null)
        {
            if (message.Kind == FleetMessageKind.Vote)
            {
                problem = "a vote is never published";
            }
            else if (string.Equals(message.Replica, ReplicaId, StringComparison.Ordinal))
            {
                problem = "own echo";
            }
            else if (!_clock.IsSynchronized)
            {
                problem = "not synchronized";
            }
            else
            {
                _replayGuard.TryAccept(message, _clock.Now(), out problem);
            }
        }

        if (problem is not null)
        {
            _telemetry.Ignored();
            FleetLog.MessageIgnored(_logger, ReplicaId, problem);
            return;
        }

        _telemetry.Received();
        if (_states.TryGetValue(message!.Key, out var state))
        {
            Apply(state, message);
        }
    }

    private void Apply(FleetKeyState state, FleetMessage message)
    {
        var members = state.SnapshotMembers();
        switch (message.Kind)
        {
            case FleetMessageKind.Open:
                lock (state.Lock)
                {
                    state.FleetOpen = true;
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }

                foreach (var member in members)
                {
                    Observe(member.OpenAsync(TimeSpan.FromMilliseconds(message.BreakMilliseconds)));
                }

                break;

            case FleetMessageKind.Closed:
                lock (state.Lock)
                {
                    state.FleetOpen = false;
                    state.LeaseHeldUntil = 0;
                    state.WaitUntil = 0;
                    state.LeaseRequestedAt = 0;
                }

                foreach (var member in members)
                {
                    Observe(member.CloseAsync());
                }

                break;

            case FleetMessageKind.Isolate:
                state.FleetIsolated = true;
                foreach (var member in members)
                {
                    Observe(member.Breaker.IsolateAsync());
                }

                break;

            default:
                ForgetFleetState(state);
                foreach (var member in members)
                {
                    Observe(member.Breaker.CloseAsync());
                }

                break;
        }
    }

    private void Observe(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.ContinueWith(
                static (failed, logger) => FleetLog.MoveFailed((Microsoft.Extensions.Logging.ILogger)logger!, failed.Exception!, "fleet"),
                _logger,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
        }
    }
}
