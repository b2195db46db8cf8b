using System.Diagnostics;
using System.Text.Json;
using StackExchange.Redis;

namespace NormRetrieval.Testing;

/// <summary>
/// <c>garnet-server</c> processes on loopback (the repo's pinned dotnet tool) — a cluster, or one standalone
/// node — each persistent (checkpoint folder, AOF flushed before a write is acknowledged) and password-protected,
/// started with the flags the README gives.
/// </summary>
public sealed class GarnetCluster : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Process?[] _processes;
    private readonly string _server;
    private readonly bool _cluster;
    private readonly bool _commitWait;

    /// <param name="nodes">How many garnet-server processes.</param>
    /// <param name="password">Their password.</param>
    /// <param name="cluster">Whether they run in cluster mode and join one cluster.</param>
    /// <param name="commitWait">Whether a write is acknowledged only after its AOF record is flushed (the README's flag; the benchmark also measures without it).</param>
    public GarnetCluster(int nodes, string password, bool cluster = true, bool commitWait = true)
    {
        Password = password;
        _cluster = cluster;
        _commitWait = commitWait;
        _server = FindServer();
        Ports = [.. Enumerable.Range(0, nodes).Select(_ => FreePort())];
        _processes = new Process?[nodes];
    }

    public string Password { get; }

    public int[] Ports { get; }

    public string Configuration(int timeoutMs) =>
        string.Join(",", Ports.Select(p => "127.0.0.1:" + p)) + $",password={Password},connectTimeout={timeoutMs},syncTimeout={timeoutMs},asyncTimeout={timeoutMs},connectRetry=1";

    /// <summary>Starts every node and joins them: each owns an equal, contiguous slot range.</summary>
    public async Task StartAsync()
    {
        for (int i = 0; i < Ports.Length; i++)
        {
            await StartNodeAsync(i);
        }

        if (!_cluster)
        {
            return;
        }

        using var first = await AdminAsync(0);
        for (int i = 0; i < Ports.Length; i++)
        {
            using var node = await AdminAsync(i);
            var server = node.GetServer("127.0.0.1", Ports[i]);
            int low = i * 16384 / Ports.Length, high = ((i + 1) * 16384 / Ports.Length) - 1;
            await server.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", low, high);
            if (i > 0)
            {
                await first.GetServer("127.0.0.1", Ports[0]).ExecuteAsync("CLUSTER", "MEET", "127.0.0.1", Ports[i]);
            }
        }

        await WaitUntilAsync(async () =>
        {
            for (int i = 0; i < Ports.Length; i++)
            {
                using var node = await AdminAsync(i);
                string info = (await node.GetServer("127.0.0.1", Ports[i]).ExecuteAsync("CLUSTER", "INFO")).ToString();
                string nodes = (await node.GetServer("127.0.0.1", Ports[i]).ExecuteAsync("CLUSTER", "NODES")).ToString();
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length != Ports.Length)
                {
                    return false;
                }
            }

            return true;
        }, "the cluster to form");
    }

    /// <summary>Starts (or restarts, recovering from its checkpoint and AOF) one node and waits until it answers.</summary>
    public async Task StartNodeAsync(int i)
    {
        string data = Path.Combine(_dir.Path, "node" + i);
        Directory.CreateDirectory(data);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[
            _server, "--bind", "127.0.0.1", "--port", Ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--enable-vector-set-preview", "-m", "2g",
            "--checkpointdir", data, "--aof", .. (_commitWait ? (string[])["--aof-commit-wait"] : []), "--device-type", "RandomAccess", "--recover",
            "--auth", "Password", "--password", Password, .. (_cluster ? (string[])["--cluster", "--cluster-password", Password] : [])])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("garnet-server did not start");
        string log = Path.Combine(_dir.Path, "node" + i + ".log");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[i] = process;
        await WaitUntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"garnet-server on port {Ports[i]} exited: {Tail(log)}");
            }

            try
            {
                using var node = await AdminAsync(i);
                await node.GetServer("127.0.0.1", Ports[i]).PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, $"node {i} to answer");
    }

    /// <summary>The resident memory of a running node's process, in bytes (from /proc; 0 where there is none).</summary>
    public long ResidentBytes(int i)
    {
        var process = _processes[i];
        if (process is not { HasExited: false })
        {
            return 0;
        }

        process.Refresh();
        return process.WorkingSet64;
    }

    /// <summary>Kills a node at once (SIGKILL), as a crash would.</summary>
    public void Kill(int i)
    {
        var process = _processes[i];
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        _processes[i] = null;
    }

    public void Dispose()
    {
        for (int i = 0; i < _processes.Length; i++)
        {
            Kill(i);
        }

        _dir.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(250);
        }
    }

    private Task<ConnectionMultiplexer> AdminAsync(int i) =>
        ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Ports[i]},password={Password},allowAdmin=true,abortConnect=true,connectTimeout=2000,syncTimeout=5000,asyncTimeout=5000");

    private static void Append(string path, string? line)
    {
        if (line is not null)
        {
            lock (typeof(GarnetCluster))
            {
                File.AppendAllLines(path, [line]);
            }
        }
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no output)";

    /// <summary>
    /// The garnet-server dotnet tool pinned in .config/dotnet-tools.json, from the NuGet packages folder;
    /// restored with <c>dotnet tool restore</c> when it is not there yet.
    /// </summary>
    private static string FindServer()
    {
        string root = RepoRoot();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".config", "dotnet-tools.json")));
        string version = manifest.RootElement.GetProperty("tools").GetProperty("garnet-server").GetProperty("version").GetString()!;
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string tool = Path.Combine(packages, "garnet-server", version, "tools");
        if (!Directory.Exists(tool))
        {
            using var restore = Process.Start(new ProcessStartInfo("dotnet", "tool restore") { WorkingDirectory = root, UseShellExecute = false })!;
            restore.WaitForExit();
        }

        return Directory.EnumerateFiles(tool, "GarnetServer.dll", SearchOption.AllDirectories).FirstOrDefault()
            ?? throw new FileNotFoundException($"garnet-server {version} is not in {packages}; run 'dotnet tool restore' in the repo.");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ".config", "dotnet-tools.json")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repo's .config/dotnet-tools.json was not found above " + AppContext.BaseDirectory);
    }
}
