using System.Diagnostics;
using System.Globalization;
using System.Text;
using NormRetrieval.SemanticKernel;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Ingest only, for working on ingest speed: bare SQLite and the store (same rows, same transactions of 1,000)
/// alternate for a number of rounds, so that both see the same machine; each round reports its ratio.
/// </summary>
/// <remarks>
/// <c>ingest [--rows 100000] [--index exact] [--rounds 3] [--plain] [--store-only] [--out FILE]</c>. The store's vectors carry raw norms;
/// its records have one indexed integer property, as in the scale suite.
/// </remarks>
internal static class IngestSuite
{
    public static async Task<int> RunAsync(string[] args)
    {
        int rows = int.Parse(Value(args, "--rows", "100000"), CultureInfo.InvariantCulture);
        string factory = Value(args, "--index", "exact");
        int rounds = int.Parse(Value(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        bool storeOnly = args.Contains("--store-only"); // for profiling the store alone
        bool plain = args.Contains("--plain"); // records without an indexed property, against bare SQLite without one
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        var (data, _, dim) = RealLikeVectors.Create(rows, 1);
        var rng = new Random(5);
        float[] norms = [.. Enumerable.Range(0, rows).Select(_ => (float)Math.Exp(1.7 + (0.15 * ScaleSuite.Normal(rng))))];
        var records = Enumerable.Range(0, rows).Select(i => ScaleSuite.Record(i, data, norms, dim)).ToList();
        var plainRecords = plain ? records.Select(r => new PlainRow { Key = r.Key, Title = r.Title, Vector = r.Vector }).ToList() : [];
        string root = Path.Combine(Path.GetTempPath(), "normretrieval-ingest-bench-" + Environment.ProcessId);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Ingest of {rows:N0} × {dim} real-like records ({factory}, {(plain ? "no indexed property; bare SQLite without the Bucket index" : "one indexed integer property; bare SQLite with the same expression index")}), batches of 1,000, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}:");
        report.AppendLine();
        report.AppendLine("| round | bare SQLite rec/s | store rec/s | store / bare |");
        report.AppendLine("|---|---|---|---|");
        var ratios = new List<double>();
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                Directory.CreateDirectory(root);
                double sqlite = storeOnly ? double.NaN : StoreSuite.BareSqliteIngest(Path.Combine(root, "bare.db"), data, dim, sameSchema: !plain);
                double store = plain ? await StoreIngestAsync(Path.Combine(root, "store"), factory, plainRecords) : await StoreIngestAsync(Path.Combine(root, "store"), factory, records);
                Directory.Delete(root, recursive: true);
                ratios.Add(store / sqlite);
                string line = string.Create(CultureInfo.InvariantCulture, $"| {round} | {sqlite:F0} | {store:F0} | {store / sqlite:F2}× |");
                report.AppendLine(line);
                Console.Error.WriteLine(line);
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Median store / bare SQLite: {ratios.Order().ElementAt(ratios.Count / 2):F2}×.");
        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    private static async Task<double> StoreIngestAsync<TRow>(string path, string factory, List<TRow> records)
        where TRow : class
    {
        using var store = new NormVectorStore(path, ScaleSuite.Options(factory));
        var collection = store.GetCollection<long, TRow>("bench", new NormCollectionOptions());
        await collection.EnsureCollectionExistsAsync();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in records.Chunk(1000))
        {
            await collection.UpsertAsync(chunk);
        }

        return records.Count / clock.Elapsed.TotalSeconds;
    }

    private static string Value(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>A record without an indexed property.</summary>
    public sealed class PlainRow
    {
        [Microsoft.Extensions.VectorData.VectorStoreKey]
        public long Key { get; set; }

        [Microsoft.Extensions.VectorData.VectorStoreData]
        public string Title { get; set; } = string.Empty;

        [Microsoft.Extensions.VectorData.VectorStoreVector(384)]
        public float[] Vector { get; set; } = [];
    }
}
