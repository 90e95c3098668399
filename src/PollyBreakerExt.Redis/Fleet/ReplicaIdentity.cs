using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PollyBreakerExt;

/// <summary>
/// A replica id that survives a restart (#20, B2): a restarted replica that got a new id would vote twice toward the
/// quorum. The id is the machine's name and the lowest free slot among a few lock files in the temporary folder, per
/// key prefix: a live fleet holds its slot's file open (exclusively), a process that dies, however it dies, lets the
/// operating system release it, and the next fleet on that machine takes the same slot, so the same id. In a container
/// the machine name is the pod's (or container's) name, kept across the container's restarts.
/// </summary>
internal sealed class ReplicaIdentity : IDisposable
{
    /// <summary>More live fleets of one prefix on one machine than this fall back to a generated id.</summary>
    private const int Slots = 64;

    private readonly FileStream? _lock;

    private ReplicaIdentity(string id, FileStream? @lock)
    {
        Id = id;
        _lock = @lock;
    }

    public string Id { get; }

    /// <summary>Takes the lowest free slot for <paramref name="keyPrefix"/>; a generated id when none can be locked.</summary>
    public static ReplicaIdentity Acquire(string keyPrefix)
    {
        // The prefix is hashed into the file name: any text is a valid prefix, not every text a valid file name.
        var prefixHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(keyPrefix)), 0, 8);
        for (var slot = 0; slot < Slots; slot++)
        {
            var path = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"pollybreakerext-replica-{prefixHash}-{slot}.lock"));
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new ReplicaIdentity(string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{slot}"), stream);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Held by a live fleet (or not ours to open): the next slot.
            }
        }

        return new ReplicaIdentity(string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"), null);
    }

    public void Dispose() => _lock?.Dispose();
}
