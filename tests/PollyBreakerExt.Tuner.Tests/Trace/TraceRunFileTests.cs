using PollyBreakerExt.Tuner.Trace;

namespace PollyBreakerExt.Tuner.Tests.Trace;

/// <summary>A run file leaves nothing in the temp folder: deleted once written, and deleted when writing it fails.</summary>
public sealed class TraceRunFileTests
{
    [Fact]
    public void A_failed_write_deletes_its_temp_file()
    {
        string? path = null;

        var failure = Assert.Throws<IOException>(() => TraceRunFile.WriteNew(output =>
        {
            path = output.Name;
            output.Write(new byte[100]);
            throw new IOException("No space left on device");
        }));

        Assert.Equal("No space left on device", failure.Message);
        Assert.NotNull(path);
        Assert.False(File.Exists(path), $"{path} was left behind");
    }

    [Fact]
    public void A_written_run_is_read_back_with_its_file_already_deleted()
    {
        string? path = null;
        TraceCall[] calls = [new(0, 5, 10, true), new(1, 7, 0, false)];

        using var handle = TraceRunFile.WriteNew(output =>
        {
            path = output.Name;
            output.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(calls.AsSpan()));
        });

        Assert.False(File.Exists(path));
        var block = new TraceCall[TraceRunFile.BlockLength];
        Assert.Equal(2, TraceRunFile.ReadBlock(handle, 0, block));
        Assert.Equal(calls, block[..2]);
    }
}
