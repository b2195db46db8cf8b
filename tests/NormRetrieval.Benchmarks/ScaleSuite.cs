using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// How the embedded store's costs grow with its size: for each size and index, ingest against its ceilings measured
/// in the same run (bare SQLite insert of the same rows, bare Faiss add of the same batches), reopen after a clean
/// close (cold and warm, each in a fresh process), resident memory of the open, disk per record, top-10 latency at recall@10 ≥ 0.95 against exact search, filtered searches at
/// 1 %, 10 % and 50 % selectivity, and update and delete rates.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project tests/NormRetrieval.Benchmarks -- scale [--rows 100000,300000] [--indexes exact,Flat,HNSW32[,efConstruction=N]] [--vectors real-like|passages] [--graph-only] [--out FILE] [--keep DIR]</c>
/// (<c>--keep</c> leaves each store in DIR/INDEX, after its updates and deletes, for probing; <c>--vectors passages</c>
/// uses real sentences only, up to 71,974, instead of synthetic rows around real abstracts).
/// Opens run in child processes (<see cref="OpenProbe"/>), cold (files dropped from the page cache) and warm.
/// </remarks>
internal static class ScaleSuite
{
    private const int Batch = 1000;
    private const int Queries = 200;

    public static async Task<int> RunAsync(string[] args)
    {
        int[] sizes = [.. Value(args, "--rows", "100000,300000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        // A build parameter (HNSW32,efConstruction=200) belongs to the factory before it.
        var factories = new List<string>();
        foreach (string part in Value(args, "--indexes", "exact,Flat,HNSW32").Split(','))
        {
            if (part.Contains('=', StringComparison.Ordinal) && factories.Count > 0)
            {
                factories[^1] += "," + part;
            }
            else
            {
                factories.Add(part);
            }
        }

        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        bool passages = Value(args, "--vectors", "real-like") == "passages"; // real sentences only, up to 71,974
        bool graphOnly = args.Contains("--graph-only"); // the bare index only: add rate, and recall and latency per efSearch
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{(graphOnly ? "Bare Faiss index" : "Embedded store")} at {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} × 384 {(passages ? "real sentence" : "real-like")} vectors (raw norms drawn log-normally), batches of {Batch}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; {Queries} queries per latency figure, one thread, top 10.");
        if (!graphOnly)
        {
            report.AppendLine();
            report.AppendLine("| records | index | ingest rec/s | vs bare SQLite | vs bare Faiss add | cold open s | reopen s | RSS of open MB | RSS / index file | index file MB | disk B/record | search p50 ms | p99 ms | bare index p50 ms | recall@10 | efSearch | filter 1% p50 ms | 10% | 50% | update rec/s | delete rec/s |");
            report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        }

        string? keep = args.SkipWhile(a => a != "--keep").Skip(1).FirstOrDefault();
        string root = keep ?? Path.Combine(Path.GetTempPath(), "normretrieval-scale-bench-" + Environment.ProcessId);
        try
        {
            foreach (int rows in sizes)
            {
                var (data, queries, dim) = passages ? RealLikeVectors.Passages(rows, Queries) : RealLikeVectors.Create(rows, Queries);
                var rng = new Random(5);
                float[] norms = [.. Enumerable.Range(0, rows).Select(_ => (float)Math.Exp(1.7 + (0.15 * Normal(rng))))];
                Directory.CreateDirectory(root);
                double sqlite = graphOnly ? 0 : StoreSuite.BareSqliteIngest(Path.Combine(root, "bare.db"), data, dim, sameSchema: true);
                File.Delete(Path.Combine(root, "bare.db"));
                var truth = ExactTopTen(data, queries, dim);
                if (graphOnly)
                {
                    foreach (string factory in factories)
                    {
                        GraphCurve(report, factory, data, queries, truth, dim);
                    }

                    continue;
                }

                foreach (string factory in factories)
                {
                    report.AppendLine(await MeasureAsync(Path.Combine(root, factory), factory, data, norms, queries, truth, dim, sqlite));
                    Console.Error.WriteLine(report.ToString().Split('\n')[^2]);
                    if (keep is null)
                    {
                        Directory.Delete(Path.Combine(root, factory), recursive: true);
                    }
                }
            }
        }
        finally
        {
            if (keep is null && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        report.AppendLine();
        report.AppendLine(graphOnly ? "Bare Faiss index only: it adds the same batches of 1,000 unit vectors; recall@10 against exact inner-product search over all rows; latency one query per call, one thread." : "Ceilings: bare SQLite inserts the same rows (key, data JSON with the Bucket property, norm, direction blob) in the same transactions of 1,000 with WAL, synchronous=FULL, the store's 16 MB page cache and the same expression index on Bucket; bare Faiss adds the same batches of 1,000 unit vectors to a fresh index of the same factory. Cold open: a fresh process opens the closed folder (its files first dropped from the page cache with posix_fadvise DONTNEED) until its first search returns; reopen: the same, files cached. RSS of open: that warm process's resident memory after the search less before the open (MiB); RSS / index file: that over the index file's size. Recall: against exact inner-product search over all rows; HNSW's efSearch is the smallest of 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024 reaching 0.95 (quantised indexes: each with the default rescoring of 4 candidates per result, then 16). Bare index p50: the index built for the add ceiling, searched with the same queries, efSearch and one thread (no SQLite, no records).");
        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(string path, string factory, float[] data, float[] norms, float[] queries, long[][] truth, int dim, double sqlite)
    {
        int rows = norms.Length;
        var (bareAdd, bare) = BareFaissAdd(factory, data, dim);
        using var bareIndex = bare;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {rows:N0} {factory}: bare add {bareAdd:F0} rec/s, bare SQLite {sqlite:F0} rec/s"));
        double ingest;
        var records = Enumerable.Range(0, rows).Select(i => Record(i, data, norms, dim)).ToList();
        using (var store = new NormVectorStore(path, Options(factory)))
        {
            var collection = store.GetCollection<long, Row>("bench", new NormCollectionOptions());
            await collection.EnsureCollectionExistsAsync();
            var clock = Stopwatch.StartNew();
            foreach (var chunk in records.Chunk(Batch))
            {
                await collection.UpsertAsync(chunk);
            }

            ingest = rows / clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {rows:N0} {factory}: store ingest {ingest:F0} rec/s"));
            store.Checkpoint();
        }

        records = null;
        GC.Collect();

        // Open time and memory in fresh processes: first with the folder's files dropped from the page cache, then
        // (the files cached again by that open) a warm reopen.
        var cold = OpenProbe.Run(path, factory, cold: true);
        var warm = OpenProbe.Run(path, factory, cold: false);
        int nq = queries.Length / dim;
        var reopenOptions = Options(factory);
        reopenOptions.SearchParameters = new VectorSearchParameters { Threads = 1 };
        using var reopened = new NormVectorStore(path, reopenOptions);
        var c = reopened.GetCollection<long, Row>("bench", new NormCollectionOptions());
        long indexBytes = new DirectoryInfo(path).GetFiles("index_*").Sum(f => f.Length);
        long diskBytes = new DirectoryInfo(path).GetFiles().Sum(f => f.Length);

        // The smallest efSearch that reaches recall 0.95 (exact indexes ignore it); quantised indexes also try
        // rescoring 16 candidates per result instead of the default 4.
        int ef = 0;
        int? refine = null;
        double recall = 0;
        int[] efGrid = factory.Contains("HNSW", StringComparison.OrdinalIgnoreCase) ? [16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024] : [0];
        int?[] refineGrid = bareIndex is FaissIndex { StoresApproximateVectors: true } ? [null, 16] : [null];
        foreach (var (candidate, factor) in efGrid.SelectMany(e => refineGrid.Select(r => (e, r))))
        {
            reopened.Options.SearchParameters = new VectorSearchParameters { EfSearch = candidate == 0 ? null : candidate, RefineFactor = factor, Threads = 1 };
            var options = Cosine();
            recall = 0;
            for (int q = 0; q < nq; q++)
            {
                var hits = await c.SearchAsync((ReadOnlyMemory<float>)queries.AsMemory(q * dim, dim), 10, options).ToListAsync();
                recall += hits.Count(h => truth[q].Contains(h.Record.Key)) / 10.0;
            }

            recall /= nq;
            (ef, refine) = (candidate, factor);
            if (recall >= 0.95)
            {
                break;
            }
        }

        var search = Cosine();
        var times = await Latency.TimesAsync(nq, q => c.SearchAsync((ReadOnlyMemory<float>)queries.AsMemory(q * dim, dim), 10, search).ToListAsync().AsTask());

        // The ceiling: the bare index built for the ingest ceiling, searched with the same queries and efSearch, one thread.
        var bareParameters = new VectorSearchParameters { EfSearch = ef == 0 ? null : ef, Threads = 1 };
        var bareTimes = Latency.Times(nq, q => bareIndex.Search(queries.AsSpan(q * dim, dim), 10, bareParameters));
        var filtered = new List<double>();
        foreach (int percent in new[] { 1, 10, 50 })
        {
            var options = new NormSearchOptions<Row> { Ranking = new NormRankingOptions(), Filter = r => r.Bucket < percent };
            var filteredTimes = await Latency.TimesAsync(Math.Min(nq, 50), q => c.SearchAsync((ReadOnlyMemory<float>)queries.AsMemory(q * dim, dim), 10, options).ToListAsync().AsTask());
            filtered.Add(Latency.Percentile(filteredTimes, 0.5));
        }

        // Updates: 5,000 existing keys rewritten with new vectors; deletes: 5,000 keys, in batches of 1,000.
        int changes = Math.Min(5000, rows / 2);
        var updates = Enumerable.Range(0, changes).Select(i => Record(i, data, norms, dim, (i + 1) % rows)).ToList();
        var updateClock = Stopwatch.StartNew();
        foreach (var chunk in updates.Chunk(Batch))
        {
            await c.UpsertAsync(chunk);
        }

        double updateRate = changes / updateClock.Elapsed.TotalSeconds;
        var deleteClock = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(rows - changes, changes).Select(i => (long)i).Chunk(Batch))
        {
            await c.DeleteAsync(chunk);
        }

        double deleteRate = changes / deleteClock.Elapsed.TotalSeconds;
        var ci = CultureInfo.InvariantCulture;
        return string.Create(ci,
            $"| {rows:N0} | {factory} | {ingest:F0} | {ingest / sqlite:F2}× | {ingest / bareAdd:F2}× | {cold.Seconds:F2} | {warm.Seconds:F2} | {warm.AddedMb:F0} | {warm.AddedMb / (indexBytes / 1048576.0):F2}× | {indexBytes / 1e6:F0} | {(double)diskBytes / rows:F0} | {Latency.Percentile(times, 0.5):F2} | {Latency.Percentile(times, 0.99):F2} | {Latency.Percentile(bareTimes, 0.5):F2} | {recall:F3} | {(ef == 0 ? "—" : ef.ToString(ci))}{(refine is { } rf ? $" (refine {rf}×)" : "")} | {filtered[0]:F2} | {filtered[1]:F2} | {filtered[2]:F2} | {updateRate:F0} | {deleteRate:F0} |");
    }

    /// <summary>
    /// The bare index alone (<c>--graph-only</c>): its add rate, then recall@10 and latency at each efSearch of the grid
    /// until recall reaches 0.95 — the store's search costs 1.00–1.04× the bare index's (the full rows), so this is
    /// the quick way to see what a build parameter buys at a size whose full row takes hours.
    /// </summary>
    private static void GraphCurve(StringBuilder report, string factory, float[] data, float[] queries, long[][] truth, int dim)
    {
        int rows = data.Length / dim, nq = queries.Length / dim;
        var (add, built) = BareFaissAdd(factory, data, dim);
        using var index = built;
        var ci = CultureInfo.InvariantCulture;
        Console.Error.WriteLine(string.Create(ci, $"{DateTime.UtcNow:HH:mm:ss} {rows:N0} {factory}: bare add {add:F0} rec/s"));
        report.AppendLine();
        report.AppendLine(string.Create(ci, $"{factory} at {rows:N0}: bare add {add:F0} records/s."));
        report.AppendLine();
        report.AppendLine("| efSearch | recall@10 | bare p50 ms | p99 ms |");
        report.AppendLine("|---|---|---|---|");
        foreach (int ef in new[] { 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024 })
        {
            var parameters = new VectorSearchParameters { EfSearch = ef, Threads = 1 };
            var found = index.Search(queries, 10, parameters);
            double recall = Enumerable.Range(0, nq).Average(q => found.Results(q).Count(h => truth[q].Contains(h.Id)) / 10.0);
            var times = Latency.Times(nq, q => index.Search(queries.AsSpan(q * dim, dim), 10, parameters));
            string line = string.Create(ci, $"| {ef} | {recall:F3} | {Latency.Percentile(times, 0.5):F2} | {Latency.Percentile(times, 0.99):F2} |");
            report.AppendLine(line);
            Console.Error.WriteLine(line);
            if (recall >= 0.95)
            {
                break;
            }
        }
    }

    /// <summary><c>exact</c> is the managed exact index; anything else a Faiss factory.</summary>
    internal static NormVectorStoreOptions Options(string factory) => factory == "exact"
        ? new NormVectorStoreOptions { Engine = "flat" }
        : new NormVectorStoreOptions { Engine = "faiss", IndexFactory = factory };

    private static NormSearchOptions<Row> Cosine() => new() { Ranking = new NormRankingOptions() };

    internal static Row Record(int i, float[] data, float[] norms, int dim, int? vectorOf = null)
    {
        int source = vectorOf ?? i;
        var v = data.AsSpan(source * dim, dim).ToArray();
        System.Numerics.Tensors.TensorPrimitives.Multiply(v, norms[source], v);
        return new Row { Key = i, Bucket = i % 100, Title = "document " + i.ToString(CultureInfo.InvariantCulture), Vector = v };
    }

    private static (double Rate, IVectorIndex Index) BareFaissAdd(string factory, float[] data, int dim)
    {
        int rows = data.Length / dim;
        IVectorIndex index = factory == "exact" ? new ExactVectorIndex(dim) : FaissIndex.Create(dim, new FaissIndexOptions { Factory = factory, TrainAfter = FaissIndex.SuggestedTrainingSize(factory) });
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < rows; start += Batch)
        {
            int count = Math.Min(Batch, rows - start);
            index.Add([.. Enumerable.Range(start, count).Select(i => (long)i)], data.AsSpan(start * dim, count * dim));
        }

        return (rows / clock.Elapsed.TotalSeconds, index);
    }

    private static long[][] ExactTopTen(float[] data, float[] queries, int dim)
    {
        using var exact = new ExactVectorIndex(dim);
        exact.Add([.. Enumerable.Range(0, data.Length / dim).Select(i => (long)i)], data);
        var hits = exact.Search(queries, 10);
        return [.. Enumerable.Range(0, queries.Length / dim).Select(q => hits.Results(q).Select(h => h.Id).ToArray())];
    }

    private static string Value(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    internal static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>A benchmark record with a bucket 0–99 to filter on.</summary>
    public sealed class Row
    {
        [VectorStoreKey]
        public long Key { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public int Bucket { get; set; }

        [VectorStoreData]
        public string Title { get; set; } = string.Empty;

        [VectorStoreVector(384)]
        public float[] Vector { get; set; } = [];
    }
}
