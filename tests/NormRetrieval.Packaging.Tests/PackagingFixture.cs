using System.Diagnostics;
using System.Text;

namespace NormRetrieval.Packaging.Tests;

/// <summary>
/// Packs every package of the repository once (from the build outputs, <c>dotnet pack --no-build</c>) into a
/// temporary feed, with a temporary NuGet package folder that falls back to the machine's, so a consumer
/// restores NormRetrieval packages from the feed only and everything else as usual.
/// </summary>
public sealed class PackagingFixture : IAsyncLifetime
{
    public const string Version = "0.2.0";

    public static readonly string[] Libraries =
        ["NormRetrieval.Core", "NormRetrieval.Onnx", "NormRetrieval.Faiss", "NormRetrieval.VectorData", "NormRetrieval.SemanticKernel", "NormRetrieval.Garnet", "NormRetrieval.Experiments"];

    private readonly TempDirectory _root = new();

    /// <summary>The folder outside the repository that holds the feed, packages, apps and tools.</summary>
    public string Root => _root.Path;

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "packages");

    public string NuGetConfig => Path.Combine(Root, "nuget.config");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NormRetrieval.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
        }
    }

    public string PackLog { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Packages);
        string fallback = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The machine's sources stay (dependencies come from them); the feed is added; packages already on
        // this machine are used from its folder without being copied, and NormRetrieval's come from the feed.
        await File.WriteAllTextAsync(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="normretrieval-local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{fallback}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var (code, output) = await RunAsync("dotnet", ["pack", Path.Combine(RepoRoot, "NormRetrieval.sln"), "-c", "Release", "--no-build", "--no-restore", "-o", Feed], RepoRoot, TimeSpan.FromMinutes(10));
        PackLog = output;
        Assert.True(code == 0, "dotnet pack failed:\n" + output);
    }

    public ValueTask DisposeAsync()
    {
        _root.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a process with this fixture's NuGet folder; returns its exit code and output (stdout and stderr).</summary>
    public Task<(int Code, string Output)> DotnetAsync(IEnumerable<string> arguments, string directory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["NUGET_PACKAGES"] = Packages, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        return RunAsync("dotnet", arguments, directory, timeout, env);
    }

    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments, string directory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = new StringBuilder();
        var outTask = Pump(process.StandardOutput, output);
        var errTask = Pump(process.StandardError, output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            output.AppendLine($"[killed after {timeout}]");
        }

        await Task.WhenAll(outTask, errTask);
        return (process.ExitCode, output.ToString());
    }

    private static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }
        }
    }
}
