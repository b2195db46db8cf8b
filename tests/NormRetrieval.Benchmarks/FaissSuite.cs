using System.Diagnostics;
using System.Globalization;
using System.Text;
using NormRetrieval.Faiss;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Faiss against the managed exact index on 100k×384 real-like vectors (see <see cref="RealLikeVectors"/>):
/// Flat batch throughput with one thread and all threads, and the HNSW recall@10 / single-query
/// throughput curve over efSearch. Each timing is the median of several runs in this process, and every
/// figure is reported as a ratio to a baseline measured in the same run.
/// </summary>
internal static class FaissSuite
{
    public static int Run(string[] args)
    {
        int rows = Option(args, "--rows", 100_000);
        int queries = Option(args, "--queries", 1000);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        if (!FaissRuntime.IsAvailable)
        {
            Console.Error.WriteLine("Faiss is unavailable: " + FaissRuntime.UnavailableReason);
            return 1;
        }

        var clock = Stopwatch.StartNew();
        var (data, q, dim) = RealLikeVectors.Create(rows, queries);
        long[] ids = [.. Enumerable.Range(0, rows).Select(i => (long)i)];
        Console.Error.WriteLine($"vectors ready: {rows}×{dim}, {queries} queries ({clock.Elapsed.TotalSeconds:F0}s)");
        int cores = Environment.ProcessorCount;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Faiss {FaissRuntime.Version} ({FaissRuntime.Blas}); {rows:N0}×{dim} real-like vectors, {queries} queries, {cores} cores, {DateTime.UtcNow:yyyy-MM-dd}.");
        report.AppendLine();

        using var exact = new ExactVectorIndex(dim);
        exact.Add(ids, data);
        using var flat = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "Flat" });
        flat.Add(ids, data);
        var truth = exact.Search(q, 10, new VectorSearchParameters { Threads = cores });

        report.AppendLine("Flat batch search (all queries in one call), queries/s:");
        report.AppendLine();
        report.AppendLine("| threads | managed exact | Faiss Flat | Faiss / managed |");
        report.AppendLine("|---|---|---|---|");
        foreach (int threads in new[] { 1, cores }.Distinct())
        {
            FaissRuntime.SetBlasThreads(threads);
            var p = new VectorSearchParameters { Threads = threads };
            double managed = queries / Median(() => exact.Search(q, 10, p));
            double faiss = queries / Median(() => flat.Search(q, 10, p));
            report.AppendLine(CultureInfo.InvariantCulture, $"| {threads} | {managed:F0} | {faiss:F0} | {faiss / managed:F2}× |");
        }

        report.AppendLine();
        FaissRuntime.SetBlasThreads(1);
        int single = Math.Min(queries, 200);
        var one = new VectorSearchParameters { Threads = 1 };
        double flatSingle = single / Median(() => SearchOneByOne(flat, q, dim, single, one));
        double exactSingle = single / Median(() => SearchOneByOne(exact, q, dim, single, one));

        clock.Restart();
        using var hnsw = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "HNSW32", Threads = cores });
        hnsw.Add(ids, data);
        double build = clock.Elapsed.TotalSeconds;
        report.AppendLine(CultureInfo.InvariantCulture, $"HNSW32 (built in {build:F0}s with {cores} threads): recall@10 against exact search and single-query throughput, one thread, one query per call. Baselines in the same run: Faiss Flat {flatSingle:F0} q/s, managed exact {exactSingle:F0} q/s.");
        report.AppendLine();
        report.AppendLine("| efSearch | recall@10 | queries/s | × Faiss Flat | × managed exact |");
        report.AppendLine("|---|---|---|---|---|");
        foreach (int ef in new[] { 16, 32, 64, 128, 256 })
        {
            var p = new VectorSearchParameters { EfSearch = ef, Threads = 1 };
            double recall = Recall(truth, hnsw.Search(q, 10, p with { Threads = cores }));
            double qps = single / Median(() => SearchOneByOne(hnsw, q, dim, single, p));
            report.AppendLine(CultureInfo.InvariantCulture, $"| {ef} | {recall:F3} | {qps:F0} | {qps / flatSingle:F1}× | {qps / exactSingle:F1}× |");
        }

        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    private static void SearchOneByOne(IVectorIndex index, float[] q, int dim, int count, VectorSearchParameters p)
    {
        for (int i = 0; i < count; i++)
        {
            index.Search(q.AsSpan(i * dim, dim), 10, p);
        }
    }

    private static double Recall(VectorSearchResults truth, VectorSearchResults found)
    {
        double hits = 0;
        for (int i = 0; i < truth.QueryCount; i++)
        {
            var set = truth.IdsOf(i).ToArray().ToHashSet();
            hits += found.IdsOf(i).ToArray().Count(set.Contains);
        }

        return hits / (truth.QueryCount * truth.K);
    }

    /// <summary>Median wall time in seconds of five runs after one warm-up.</summary>
    private static double Median(Action action)
    {
        action();
        var times = new double[5];
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }

        Array.Sort(times);
        return times[2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
