using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Opening a closed store in a fresh process, so that the time and the resident memory it reports belong to the
/// open alone (a benchmark process that ingested first keeps and reuses the memory it freed): <c>open-probe DIR
/// FACTORY [--cold]</c> warms up on a one-record store (start-up and JIT are the process's, not the open's), then opens the store, runs one top-10 search and prints the seconds, the resident memory before
/// the open and after the search, and the peak. <c>--cold</c> first asks the kernel to drop the folder's files from
/// its page cache (<c>posix_fadvise(DONTNEED)</c> on each file, which needs no privileges), so the open reads
/// them from the disk.
/// </summary>
internal static partial class OpenProbe
{
    private const int PosixFadvDontNeed = 4;

    /// <summary>What one probe measured.</summary>
    public sealed record Result(double Seconds, double RssBeforeMb, double RssAfterMb, double PeakMb, double CachedAfterDropMb)
    {
        /// <summary>Resident memory the open and its first search added.</summary>
        public double AddedMb => RssAfterMb - RssBeforeMb;
    }

    /// <summary>Runs the probe in a child process of this benchmark.</summary>
    public static Result Run(string path, string factory, bool cold)
    {
        string self = typeof(OpenProbe).Assembly.Location;
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("NormRetrieval.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(self);
        }

        foreach (string arg in (string[])["open-probe", path, factory, .. cold ? (string[])["--cold"] : []])
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"open-probe failed ({child.ExitCode}): {output}");
        }

        double[] v = [.. output.Trim().Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture))];
        return new Result(v[0], v[1], v[2], v[3], v[4]);
    }

    /// <summary>The child's side: prints "seconds rssBeforeMB rssAfterMB peakMB cachedAfterDropMB".</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        string path = args[0], factory = args[1];
        bool cold = args.Contains("--cold");
        double cached = -1;
        if (cold)
        {
            foreach (string file in Directory.EnumerateFiles(path))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                _ = PosixFadvise((int)stream.SafeFileHandle.DangerousGetHandle(), 0, 0, PosixFadvDontNeed);
            }

            cached = CachedMb();
        }

        // Warm up on a one-record store of the same kind first: the runtime's start-up, JIT compilation and native
        // libraries are a fixed cost of the process, not of opening this store, and are left out of both figures.
        var query = new float[384];
        query[0] = 1;
        string warmup = Path.Combine(Path.GetTempPath(), "normretrieval-open-probe-" + Environment.ProcessId);
        using (var tiny = new NormVectorStore(warmup, Options(factory)))
        {
            var c = tiny.GetCollection<long, ScaleSuite.Row>("bench", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync();
            await c.UpsertAsync(new ScaleSuite.Row { Key = 1, Vector = query });
            _ = await c.SearchAsync((ReadOnlyMemory<float>)query, 10).ToListAsync();
        }

        Directory.Delete(warmup, recursive: true);
        GC.Collect();
        double before = Status("VmRSS:");
        var clock = Stopwatch.StartNew();
        using var store = new NormVectorStore(path, Options(factory));
        var collection = store.GetCollection<long, ScaleSuite.Row>("bench", new NormCollectionOptions());
        _ = await collection.SearchAsync((ReadOnlyMemory<float>)query, 10).ToListAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        double after = Status("VmRSS:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F3} {before:F1} {after:F1} {Status("VmHWM:"):F1} {cached:F1}"));
        return 0;
    }

    private static NormVectorStoreOptions Options(string factory)
    {
        var options = factory == "exact" ? new NormVectorStoreOptions { Engine = "flat" } : new NormVectorStoreOptions { Engine = "faiss", IndexFactory = factory };
        options.SearchParameters = new VectorSearchParameters { Threads = 1 };
        return options;
    }

    /// <summary>A line of /proc/self/status in MB.</summary>
    private static double Status(string field) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => double.Parse(l[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024).First();

    /// <summary>The page cache's size (Cached in /proc/meminfo) in MB, to show the drop took.</summary>
    private static double CachedMb() =>
        File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("Cached:", StringComparison.Ordinal))
            .Select(l => double.Parse(l["Cached:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024).First();

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
