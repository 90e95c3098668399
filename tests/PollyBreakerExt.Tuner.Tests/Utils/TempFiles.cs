namespace PollyBreakerExt.Tuner.Tests.Utils;

/// <summary>A folder of files for one test, deleted after it.</summary>
public sealed class TempFiles : IDisposable
{
    public TempFiles() => Directory.CreateDirectory(Folder);

    public string Folder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tuner-tests-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, string text)
    {
        var path = Path(name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Path(string name) => System.IO.Path.Combine(Folder, name);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
