using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// The embedded store on 100k×384 precomputed real-like vectors: ingest against bare SQLite inserts of
/// the same rows (the floor any durable store pays), search latency with Faiss HNSW against a bare
/// index search, and the cost of norm-aware reranking at overfetch 4. Baselines run in the same process.
/// </summary>
internal static class StoreSuite
{
    private const int Batch = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        int rows = Option(args, "--rows", 100_000);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        var (data, queries, dim) = RealLikeVectors.Create(rows, 500);
        var rng = new Random(5);
        float[] norms = [.. Enumerable.Range(0, rows).Select(_ => (float)Math.Exp(1.7 + (0.15 * Normal(rng))))];
        string root = Path.Combine(Path.GetTempPath(), "normretrieval-store-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Embedded store, {rows:N0}×{dim} real-like vectors (raw norms drawn log-normally), batches of {Batch}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}.");
        report.AppendLine();
        try
        {
            double sqlite = BareSqliteIngest(Path.Combine(root, "bare.db"), data, dim);
            double flatIngest = await IngestAsync(Path.Combine(root, "flat"), "Flat", data, norms, dim);
            double hnswIngest = await IngestAsync(Path.Combine(root, "hnsw"), "HNSW32", data, norms, dim);
            report.AppendLine("| ingest | records/s | vs bare SQLite |");
            report.AppendLine("|---|---|---|");
            report.AppendLine(CultureInfo.InvariantCulture, $"| bare SQLite insert of the same rows (baseline) | {sqlite:F0} | 1.00× |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| store, Faiss Flat | {flatIngest:F0} | {flatIngest / sqlite:F2}× |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| store, Faiss HNSW32 (graph built while ingesting) | {hnswIngest:F0} | {hnswIngest / sqlite:F2}× |");
            report.AppendLine();

            var parameters = new VectorSearchParameters { EfSearch = 64, Threads = 1 };
            using var store = new NormVectorStore(Path.Combine(root, "hnsw"), new NormVectorStoreOptions { SearchParameters = parameters });
            var collection = store.GetCollection<long, Row>("bench", new NormCollectionOptions());
            using var bare = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "HNSW32", EfSearch = 64, Threads = 1 });
            bare.Add([.. Enumerable.Range(0, rows).Select(i => (long)i)], data);
            int nq = queries.Length / dim;
            var bareTimes = Latency.Times(nq, i => bare.Search(queries.AsSpan(i * dim, dim), 10, parameters));
            var bare40Times = Latency.Times(nq, i => bare.Search(queries.AsSpan(i * dim, dim), 40, parameters));
            var cosine = new NormSearchOptions<Row> { Ranking = new NormRankingOptions() };
            var cosine40 = new NormSearchOptions<Row> { Ranking = new NormRankingOptions() };
            var reranked = new NormSearchOptions<Row> { Ranking = NormRankingOptions.Parse("specificity:0.02", overfetch: 4) };
            var storeTimes = await Latency.TimesAsync(nq, i => collection.SearchAsync(Query(queries, i, dim), 10, cosine).ToListAsync().AsTask());
            var storeTimes40 = await Latency.TimesAsync(nq, i => collection.SearchAsync(Query(queries, i, dim), 40, cosine40).ToListAsync().AsTask());
            var rerankTimes = await Latency.TimesAsync(nq, i => collection.SearchAsync(Query(queries, i, dim), 10, reranked).ToListAsync().AsTask());
            report.AppendLine("Search latency, one query per call, one thread for Faiss (HNSW32, efSearch 64), top 10:");
            report.AppendLine();
            report.AppendLine("| search | p50 ms | p95 ms | vs bare index p50 |");
            report.AppendLine("|---|---|---|---|");
            Latency.AddRow(report, "bare Faiss HNSW search (baseline)", bareTimes, bareTimes);
            Latency.AddRow(report, "bare Faiss HNSW search, k = 40", bare40Times, bareTimes);
            Latency.AddRow(report, "store, cosine (index + SQLite fetch of 10 records)", storeTimes, bareTimes);
            Latency.AddRow(report, "store, cosine, top 40 (the candidates reranking needs)", storeTimes40, bareTimes);
            Latency.AddRow(report, "store, specificity:0.02 at overfetch 4 (40 candidates reranked to 10)", rerankTimes, bareTimes);
            report.AppendLine();
            double p50Rerank = Latency.Percentile(rerankTimes, 0.5), p50Forty = Latency.Percentile(storeTimes40, 0.5), p50Ten = Latency.Percentile(storeTimes, 0.5);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"Reranking itself (policy search vs a cosine search over the same 40 candidates): {100 * ((p50Rerank / p50Forty) - 1):+0.0;-0.0}% at p50; overfetch 4 plus reranking vs a top-10 cosine search: {100 * ((p50Rerank / p50Ten) - 1):+0.0;-0.0}%.");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    private static ReadOnlyMemory<float> Query(float[] queries, int i, int dim) => queries.AsMemory(i * dim, dim);

    private static async Task<double> IngestAsync(string path, string factory, float[] data, float[] norms, int dim)
    {
        using var store = new NormVectorStore(path, new NormVectorStoreOptions { Engine = "faiss", IndexFactory = factory });
        var collection = store.GetCollection<long, Row>("bench", new NormCollectionOptions());
        await collection.EnsureCollectionExistsAsync();
        int rows = norms.Length;
        var records = Enumerable.Range(0, rows).Select(i =>
        {
            var v = data.AsSpan(i * dim, dim).ToArray();
            System.Numerics.Tensors.TensorPrimitives.Multiply(v, norms[i], v);
            return new Row { Key = i, Title = "document " + i.ToString(CultureInfo.InvariantCulture), Vector = v };
        }).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in records.Chunk(Batch))
        {
            await collection.UpsertAsync(chunk);
        }

        double rate = rows / clock.Elapsed.TotalSeconds;
        store.Checkpoint();
        return rate;
    }

    /// <summary>
    /// The ingest ceiling: bare SQLite inserting the same rows in the same transactions. With
    /// <paramref name="sameSchema"/>, the rows carry the scale suite's <c>Bucket</c> property in their JSON, the
    /// table has the same expression index on it, and the connection the store's 16 MB page cache; without, the
    /// rows are the store suite's (no indexed property) and SQLite's defaults apply.
    /// </summary>
    internal static double BareSqliteIngest(string path, float[] data, int dim, bool sameSchema = false)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE, data TEXT, norm REAL, tokens INTEGER, direction BLOB);"
                + (sameSchema ? "PRAGMA cache_size=-16384; CREATE INDEX t_bucket ON t (CASE WHEN json_valid(data) THEN json_extract(data, '$.\"Bucket\"') END);" : string.Empty);
            pragma.ExecuteNonQuery();
        }

        int rows = data.Length / dim;
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < rows; start += Batch)
        {
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO t (key, data, norm, tokens, direction) VALUES ($k, $d, $n, NULL, $v);";
            var k = insert.Parameters.Add("$k", SqliteType.Text);
            var d = insert.Parameters.Add("$d", SqliteType.Text);
            var n = insert.Parameters.Add("$n", SqliteType.Real);
            var v = insert.Parameters.Add("$v", SqliteType.Blob);
            insert.Prepare();
            for (int i = start; i < Math.Min(rows, start + Batch); i++)
            {
                k.Value = i.ToString(CultureInfo.InvariantCulture);
                d.Value = sameSchema
                    ? "{\"Bucket\":" + (i % 100).ToString(CultureInfo.InvariantCulture) + ",\"Title\":\"document " + i.ToString(CultureInfo.InvariantCulture) + "\"}"
                    : "{\"Title\":\"document " + i.ToString(CultureInfo.InvariantCulture) + "\"}";
                n.Value = 1.0;
                v.Value = MemoryMarshal.AsBytes(data.AsSpan(i * dim, dim)).ToArray();
                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return rows / clock.Elapsed.TotalSeconds;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>A benchmark record.</summary>
    public sealed class Row
    {
        [VectorStoreKey]
        public long Key { get; set; }

        [VectorStoreData]
        public string Title { get; set; } = string.Empty;

        [VectorStoreVector(384, IndexKind = IndexKind.Hnsw)]
        public float[] Vector { get; set; } = [];
    }
}
