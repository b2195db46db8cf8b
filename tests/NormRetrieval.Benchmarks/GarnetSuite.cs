using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NormRetrieval.Garnet;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Testing;
using StackExchange.Redis;
using NormRetrieval.VectorData;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Garnet scale-out on one box: ingest and query throughput of one garnet-server node with one shard,
/// the same node with three shards, and a three-node cluster with three shards (all started with the
/// README's persistence and password flags), and the client's overhead over raw <c>VSIM</c> calls that
/// send the same arguments to the same shards. Baselines run in the same process, interleaved.
/// </summary>
internal static class GarnetSuite
{
    private const int Batch = 500;
    private const string Password = "bench-password";

    public static async Task<int> RunAsync(string[] args)
    {
        int rows = Option(args, "--rows", 20_000);
        int rounds = Option(args, "--rounds", 5);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        var (data, queries, dim) = RealLikeVectors.Create(rows, 500);
        var rng = new Random(5);
        float[] norms = [.. Enumerable.Range(0, rows).Select(_ => (float)Math.Exp(1.7 + (0.15 * Normal(rng))))];
        int nq = queries.Length / dim;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Garnet (garnet-server 2.2.8, --aof --aof-commit-wait, password), {rows:N0}×{dim} real-like vectors, NOQUANT, M 16, EF 200, batches of {Batch}; {nq} queries, top 10, cosine; client and servers on one box with {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}.");
        report.AppendLine();
        report.AppendLine("| layout | ingest records/s | sequential queries/s | p50 ms | 8 concurrent queries/s | raw VSIM p50 ms | client overhead vs raw VSIM (p50) |");
        report.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (name, nodes, shards, cluster) in new[] { ("1 node, 1 shard", 1, 1, false), ("1 node, 3 shards", 1, 3, false), ("3-node cluster, 3 shards", 3, 3, true) })
        {
            using var servers = new GarnetCluster(nodes, Password, cluster);
            await servers.StartAsync();
            using var store = await GarnetVectorStore.ConnectAsync(servers.Configuration(30_000), new GarnetVectorStoreOptions { Shards = shards });
            var collection = store.GetCollection<long, Row>("bench", new GarnetCollectionOptions());
            await collection.EnsureCollectionExistsAsync();

            var watch = Stopwatch.StartNew();
            for (int start = 0; start < rows; start += Batch)
            {
                int n = Math.Min(Batch, rows - start);
                await collection.UpsertAsync(Enumerable.Range(start, n).Select(i => new Row { Id = i, Vector = Raw(data, norms, i, dim) }));
            }

            double ingest = rows / watch.Elapsed.TotalSeconds;
            var shardKeys = (await collection.ShardKeysAsync())!;
            var db = store.Connection.GetDatabase();
            var cosine = new NormSearchOptions<Row> { Ranking = new NormRankingOptions() };

            // Warm up both paths, then interleave rounds so drift on a shared machine hits both alike.
            for (int i = 0; i < Math.Min(50, nq); i++)
            {
                await collection.SearchAsync(Query(queries, i, dim), 10, cosine).ToListAsync();
                await RawAsync(db, shardKeys, Query(queries, i, dim));
            }

            // Client and raw calls alternate query by query (which goes first alternates too), so both
            // see the same server state and the same load from whatever else the machine runs.
            var clientTimes = new List<double>();
            var rawTimes = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < nq; i++)
                {
                    var query = Query(queries, i, dim);
                    for (int order = 0; order < 2; order++)
                    {
                        var t = Stopwatch.GetTimestamp();
                        if ((order == 0) == (i % 2 == 0))
                        {
                            await collection.SearchAsync(query, 10, cosine).ToListAsync();
                            clientTimes.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                        }
                        else
                        {
                            await RawAsync(db, shardKeys, query);
                            rawTimes.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                        }
                    }
                }
            }

            var sequentialWatch = Stopwatch.StartNew();
            for (int i = 0; i < nq; i++)
            {
                await collection.SearchAsync(Query(queries, i, dim), 10, cosine).ToListAsync();
            }

            double sequential = nq / sequentialWatch.Elapsed.TotalSeconds;

            var concurrent = Stopwatch.StartNew();
            int next = -1;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < nq * 2)
                {
                    await collection.SearchAsync(Query(queries, i % nq, dim), 10, cosine).ToListAsync();
                }
            }));
            double parallel = nq * 2 / concurrent.Elapsed.TotalSeconds;
            double clientP50 = Percentile(clientTimes, 0.5), rawP50 = Percentile(rawTimes, 0.5);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {ingest:F0} | {sequential:F0} | {clientP50:F3} | {parallel:F0} | {rawP50:F3} | {100 * ((clientP50 / rawP50) - 1):+0.0;-0.0}% |");
            Console.Error.WriteLine(report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        }

        report.AppendLine();
        report.AppendLine("Raw VSIM: the same FP32 query, COUNT, WITHSCORES and WITHATTRIBS sent to every shard in parallel, replies not parsed. " +
            "The client adds query normalisation, reply parsing, the cross-shard merge, record materialisation and the ranking pass.");
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString());
        }

        return 0;
    }

    private static Task RawAsync(IDatabase db, IReadOnlyList<string> shards, ReadOnlyMemory<float> query)
    {
        byte[] blob = MemoryMarshal.AsBytes(query.Span).ToArray();
        return Task.WhenAll(shards.Select(s => db.ExecuteAsync("VSIM", (RedisKey)s, "FP32", blob, "COUNT", 10, "WITHSCORES", "WITHATTRIBS")));
    }

    private static float[] Raw(float[] data, float[] norms, int i, int dim)
    {
        var v = data.AsSpan(i * dim, dim).ToArray();
        System.Numerics.Tensors.TensorPrimitives.Multiply(v, norms[i], v);
        return v;
    }

    private static ReadOnlyMemory<float> Query(float[] queries, int i, int dim) => queries.AsMemory(i * dim, dim);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];
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
        [Microsoft.Extensions.VectorData.VectorStoreKey]
        public long Id { get; set; }

        [Microsoft.Extensions.VectorData.VectorStoreVector(384)]
        public float[] Vector { get; set; } = [];
    }
}
