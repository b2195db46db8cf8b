using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Hybrid search on the embedded store, 100k×384 real-like vectors with Cranfield abstracts as text (cycled, each
/// row with its own number): ingest with and without the full-text index, and the latency of a top-10 dense search,
/// a keyword search, a hybrid search and a hybrid search with a norm policy — against a bare FTS5 query on the same
/// database and the store's dense search, measured in the same run.
/// </summary>
internal static class HybridSuite
{
    private const int Batch = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        int rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(100_000);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        var (data, queries, dim) = RealLikeVectors.Create(rows, 100);
        string[] abstracts = [.. File.ReadLines(Path.Combine(RealLikeVectors.FindData(), "cranfield", "corpus.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement).Select(e => e.GetProperty("title").GetString() + " " + e.GetProperty("text").GetString())];
        string[] keywords = BenchmarkTexts.CranfieldQueries(300);
        string root = Path.Combine(Path.GetTempPath(), "normretrieval-hybrid-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Embedded store (Faiss HNSW32, efSearch 64), {rows:N0}×{dim} real-like vectors with Cranfield abstracts as text (≈ 130 words each), batches of {Batch}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; keywords: the words of the Cranfield queries.");
        report.AppendLine();
        try
        {
            double plain = await IngestAsync<PlainRow>(Path.Combine(root, "plain"), rows, data, dim, abstracts, (i, text, v) => new PlainRow { Key = i, Text = text, Vector = v });
            double indexed = await IngestAsync<TextRow>(Path.Combine(root, "fts"), rows, data, dim, abstracts, (i, text, v) => new TextRow { Key = i, Text = text, Vector = v });
            report.AppendLine("| ingest | records/s | vs without full-text index |");
            report.AppendLine("|---|---|---|");
            report.AppendLine(CultureInfo.InvariantCulture, $"| store, text not full-text indexed (baseline) | {plain:F0} | 1.00× |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| store, text full-text indexed (FTS5 in the same transaction) | {indexed:F0} | {indexed / plain:F2}× |");
            report.AppendLine();

            var parameters = new VectorSearchParameters { EfSearch = 64, Threads = 1 };
            string path = Path.Combine(root, "fts");
            int nq = queries.Length / dim;
            double[] bareFts;
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(path, "store.db")};Mode=ReadOnly"))
            {
                connection.Open();
                using var find = connection.CreateCommand();
                find.CommandText = "SELECT name FROM sqlite_master WHERE name LIKE 'fts_1_%' AND sql LIKE 'CREATE VIRTUAL TABLE%';";
                string table = (string)find.ExecuteScalar()!;
                using var search = connection.CreateCommand();
                search.CommandText = $"SELECT rowid, bm25({table}) AS r FROM {table} WHERE {table} MATCH $q ORDER BY r LIMIT 50;";
                var q = search.Parameters.Add("$q", SqliteType.Text);
                bareFts = Latency.Times(nq, i =>
                {
                    q.Value = string.Join(" OR ", keywords[i % keywords.Length].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => "\"" + new string([.. w.Where(char.IsLetterOrDigit)]) + "\"").Where(w => w.Length > 2).Distinct());
                    using var reader = search.ExecuteReader();
                    while (reader.Read())
                    {
                    }
                });
            }

            using var store = new NormVectorStore(path, new NormVectorStoreOptions { SearchParameters = parameters });
            var collection = (NormCollection<long, TextRow>)store.GetCollection<long, TextRow>("bench", new NormCollectionOptions());
            var policy = new NormHybridSearchOptions<TextRow> { Ranking = NormRankingOptions.Parse("specificity:0.02") };
            var dense = await Latency.TimesAsync(nq, i => collection.SearchAsync((ReadOnlyMemory<float>)queries.AsMemory(i * dim, dim), 10).ToListAsync().AsTask());
            var keyword = await Latency.TimesAsync(nq, i => collection.KeywordSearchAsync([keywords[i % keywords.Length]], 10).ToListAsync().AsTask());
            var hybrid = await Latency.TimesAsync(nq, i => collection.HybridSearchAsync((ReadOnlyMemory<float>)queries.AsMemory(i * dim, dim), [keywords[i % keywords.Length]], 10).ToListAsync().AsTask());
            var hybridPolicy = await Latency.TimesAsync(nq, i => collection.HybridSearchAsync((ReadOnlyMemory<float>)queries.AsMemory(i * dim, dim), [keywords[i % keywords.Length]], 10, policy).ToListAsync().AsTask());
            report.AppendLine("Search latency, one query per call, top 10 (hybrid: the best 50 of each ranking fused by RRF):");
            report.AppendLine();
            report.AppendLine("| search | p50 ms | p95 ms | vs store dense p50 |");
            report.AppendLine("|---|---|---|---|");
            Latency.AddRow(report, "store, dense (cosine) search (baseline)", dense, dense);
            Latency.AddRow(report, "bare FTS5 BM25 query, 50 rows (SQLite alone)", bareFts, dense);
            Latency.AddRow(report, "store, keyword (BM25) search", keyword, dense);
            Latency.AddRow(report, "store, hybrid search", hybrid, dense);
            Latency.AddRow(report, "store, hybrid search + specificity:0.02", hybridPolicy, dense);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    private static async Task<double> IngestAsync<TRow>(string path, int rows, float[] data, int dim, string[] texts, Func<long, string, float[], TRow> create)
        where TRow : class
    {
        using var store = new NormVectorStore(path, new NormVectorStoreOptions { Engine = "faiss", IndexFactory = "HNSW32" });
        var collection = store.GetCollection<long, TRow>("bench", new NormCollectionOptions());
        await collection.EnsureCollectionExistsAsync();
        var records = Enumerable.Range(0, rows).Select(i => create(i, $"record {i} " + texts[i % texts.Length], data.AsSpan(i * dim, dim).ToArray())).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in records.Chunk(Batch))
        {
            await collection.UpsertAsync(chunk);
        }

        double rate = rows / clock.Elapsed.TotalSeconds;
        store.Checkpoint();
        return rate;
    }

    /// <summary>A row whose text is stored but not full-text indexed.</summary>
    public sealed class PlainRow
    {
        [VectorStoreKey]
        public long Key { get; set; }

        [VectorStoreData]
        public string Text { get; set; } = string.Empty;

        [VectorStoreVector(384, IndexKind = IndexKind.Hnsw)]
        public float[] Vector { get; set; } = [];
    }

    /// <summary>A row whose text is full-text indexed.</summary>
    public sealed class TextRow
    {
        [VectorStoreKey]
        public long Key { get; set; }

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = string.Empty;

        [VectorStoreVector(384, IndexKind = IndexKind.Hnsw)]
        public float[] Vector { get; set; } = [];
    }
}
