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
/// send the same arguments to the same shards, and its ingest against raw pipelined <c>VADD</c>s with the same
/// arguments (the server's ceiling), with and without AOF commit-wait. Baselines run in the same process, interleaved.
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
        string[] layouts = (args.SkipWhile(a => a != "--layouts").Skip(1).FirstOrDefault() ?? "single,sharded,cluster").Split(',');
        bool[] commitWaits = (args.SkipWhile(a => a != "--commit-wait").Skip(1).FirstOrDefault() ?? "on,off").Split(',').Select(w => w == "on").ToArray();
        var (data, queries, dim) = RealLikeVectors.Create(rows, 500);
        var rng = new Random(5);
        float[] norms = [.. Enumerable.Range(0, rows).Select(_ => (float)Math.Exp(1.7 + (0.15 * Normal(rng))))];
        int nq = queries.Length / dim;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Garnet (garnet-server 2.2.8, --aof, password), {rows:N0}×{dim} real-like vectors, NOQUANT, M 16, EF 200, batches of {Batch}; {nq} queries, top 10, cosine; client and servers on one box with {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}.");
        report.AppendLine();
        report.AppendLine("| layout | AOF commit-wait | ingest records/s | raw VADD records/s | ingest / raw VADD | server RSS B/record | sequential queries/s | p50 ms | 8 concurrent queries/s | raw VSIM p50 ms | client overhead vs raw VSIM (p50) |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var all = new[] { ("single", "1 node, 1 shard", 1, 1, false), ("sharded", "1 node, 3 shards", 1, 3, false), ("cluster", "3-node cluster, 3 shards", 3, 3, true) };
        var runs = commitWaits.SelectMany(wait => all.Where(l => layouts.Contains(l.Item1)).Select(l => (wait, l.Item2, l.Item3, l.Item4, l.Item5)));
        foreach (var (commitWait, name, nodes, shards, cluster) in runs)
        {
            using var servers = new GarnetCluster(nodes, Password, cluster, commitWait);
            await servers.StartAsync();
            using var store = await GarnetVectorStore.ConnectAsync(servers.Configuration(60_000), new GarnetVectorStoreOptions { Shards = shards });
            var collection = store.GetCollection<long, Row>("bench", new GarnetCollectionOptions());
            await collection.EnsureCollectionExistsAsync();
            var shardKeys = (await collection.ShardKeysAsync())!;
            var db = store.Connection.GetDatabase();

            // The server's ceiling, measured batch by batch beside the collection's ingest (which of the two goes
            // first alternates): the same VADD arguments sent pipelined to keys on the same shards (same hash tags),
            // without the collection's reads of replaced elements, statistics upkeep or record mapping.
            long residentBefore = Enumerable.Range(0, nodes).Sum(servers.ResidentBytes);
            RedisKey[] rawKeys = [.. shardKeys.Select(k => (RedisKey)(k[..k.LastIndexOf(':')] + ":rawvadd"))];
            double clientSeconds = 0, rawSeconds = 0;
            for (int start = 0, b = 0; start < rows; start += Batch, b++)
            {
                int n = Math.Min(Batch, rows - start);
                for (int order = 0; order < 2; order++)
                {
                    long t = Stopwatch.GetTimestamp();
                    if ((order == 0) == (b % 2 == 0))
                    {
                        await collection.UpsertAsync(Enumerable.Range(start, n).Select(i => new Row { Id = i, Vector = Raw(data, norms, i, dim) }));
                        clientSeconds += Stopwatch.GetElapsedTime(t).TotalSeconds;
                    }
                    else
                    {
                        await Task.WhenAll(Enumerable.Range(start, n).Select(i => RawAddAsync(db, rawKeys, data, norms, i, dim)));
                        rawSeconds += Stopwatch.GetElapsedTime(t).TotalSeconds;
                    }
                }
            }

            double ingest = rows / clientSeconds, rawIngest = rows / rawSeconds;

            // The servers hold each record twice now (the collection and the raw keys): memory per record is half the growth.
            double bytesPerRecord = (Enumerable.Range(0, nodes).Sum(servers.ResidentBytes) - residentBefore) / (2.0 * rows);
            foreach (var key in rawKeys)
            {
                await db.KeyDeleteAsync(key);
            }

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
                $"| {name} | {(commitWait ? "on" : "off")} | {ingest:F0} | {rawIngest:F0} | {ingest / rawIngest:F2}× | {bytesPerRecord:F0} | {sequential:F0} | {clientP50:F3} | {parallel:F0} | {rawP50:F3} | {100 * ((clientP50 / rawP50) - 1):+0.0;-0.0}% |");
            Console.Error.WriteLine(report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        }

        report.AppendLine();
        report.AppendLine("Raw VSIM: the same FP32 query, COUNT, WITHSCORES and WITHATTRIBS sent to every shard in parallel, replies not parsed. " +
            "The client adds query normalisation, reply parsing, the cross-shard merge, record materialisation and the ranking pass. " +
            "Raw VADD: the same VADD arguments (FP32 unit vector, NOQUANT, COSINE, the same SETATTR JSON, M, EF) sent pipelined per batch to keys with the shards' hash tags, " +
            "interleaved batch by batch with the collection's ingest (which goes first alternates); the collection also reads replaced elements' attributes and updates its norm statistics once per batch per shard. " +
            "Server RSS B/record: growth of the garnet-server processes' resident memory over the ingest, divided by the records they then held (collection and raw keys).");
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString());
        }

        return 0;
    }

    private static Task RawAddAsync(IDatabase db, RedisKey[] keys, float[] data, float[] norms, int i, int dim)
    {
        string id = i.ToString(CultureInfo.InvariantCulture);
        var key = keys.Length == 1 ? keys[0] : keys[System.IO.Hashing.XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(id)) % (uint)keys.Length];
        string attributes = "{\"__key\":\"" + id + "\",\"__norm\":" + ((double)norms[i]).ToString("R", CultureInfo.InvariantCulture) + "}";
        byte[] blob = MemoryMarshal.AsBytes(data.AsSpan(i * dim, dim)).ToArray();
        return db.ExecuteAsync("VADD", key, "FP32", blob, id, "NOQUANT", "XDISTANCE_METRIC", "COSINE", "SETATTR", attributes, "M", "16", "EF", "200");
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
