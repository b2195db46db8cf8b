using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Testing;

namespace NormRetrieval.Garnet.Tests;

/// <summary>
/// A 3-node garnet-server cluster on loopback: a collection sharded over the nodes answers like the
/// embedded store's exact search; a killed node fails searches with a named shard and endpoint (or flags
/// them partial when asked); restarted with AOF recovery, it has lost nothing that was acknowledged.
/// </summary>
public sealed class ClusterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cluster_serves_shards_survives_a_killed_node_and_loses_nothing_acknowledged()
    {
        var data = TestCollection.Get("cranfield", "minilm");
        var records = Cranfield.Documents(data);

        using var cluster = new GarnetCluster(3, "cluster-test-password");
        await cluster.StartAsync();

        // Without the password the cluster reads nothing.
        var refused = await Assert.ThrowsAsync<VectorStoreException>(() => GarnetVectorStore.ConnectAsync(string.Join(",", cluster.Ports.Select(p => "127.0.0.1:" + p))));
        Assert.Contains("requires a password", refused.Message, StringComparison.Ordinal);

        using var store = await GarnetVectorStore.ConnectAsync(cluster.Configuration(5000), new GarnetVectorStoreOptions { Shards = 3, SearchEf = 200 });
        using var partialStore = new GarnetVectorStore(store.Connection, new GarnetVectorStoreOptions { AllowPartialResults = true, SearchEf = 200 });
        var collection = store.GetCollection<string, Document>("cranfield", new GarnetCollectionOptions());
        await collection.EnsureCollectionExistsAsync(Ct);
        foreach (var chunk in records.Chunk(200))
        {
            await collection.UpsertAsync(chunk, Ct);
        }

        // The three shards live on three different nodes.
        var shards = (await collection.ShardKeysAsync())!;
        var endpoints = shards.Select(k => store.EndPointOf(k)).ToList();
        Assert.Equal(3, endpoints.Distinct().Count());

        using var dir = new TempDirectory();
        using var embedded = new NormVectorStore(Path.Combine(dir.Path, "store"), new NormVectorStoreOptions { Engine = "flat" });
        var exact = embedded.GetCollection<string, Document>("cranfield", new NormCollectionOptions());
        await exact.EnsureCollectionExistsAsync(Ct);
        await exact.UpsertAsync(records, Ct);

        async Task<double> RecallAsync(GarnetCollection<string, Document> c)
        {
            double found = 0, total = 0;
            for (int q = 0; q < data.QueryCount; q += 5)
            {
                var want = await exact.SearchAsync(data.QueryRaw[q], 10, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
                var got = await c.SearchAsync(data.QueryRaw[q], 10, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
                found += got.Intersect(want).Count();
                total += want.Count;
            }

            return found / total;
        }

        double recall = await RecallAsync(collection);
        Assert.True(recall >= 0.95, $"top-10 recall against the embedded exact search: {recall:F3}");

        // Acknowledged writes just before a crash.
        var late = Enumerable.Range(0, 60).Select(i => new Document { Id = "late-" + i, Text = "late", Bucket = 9, Norm = data.DocumentNorms[i], Vector = data.DocumentRaw[i] }).ToList();
        await collection.UpsertAsync(late, Ct);
        await collection.DeleteAsync([records[0].Id, records[1].Id], Ct);

        // Kill the node that serves shard 1.
        string victim = endpoints[1]!;
        int node = Array.FindIndex(cluster.Ports, p => victim.EndsWith(":" + p, StringComparison.Ordinal));
        cluster.Kill(node);

        var failure = await Assert.ThrowsAsync<GarnetShardUnavailableException>(() => collection.SearchDetailedAsync(data.QueryRaw[0], 10, cancellationToken: Ct));
        Assert.Equal(shards[1], failure.Shard);
        Assert.Contains(shards[1], failure.Message, StringComparison.Ordinal);
        Assert.Contains(victim, failure.Message, StringComparison.Ordinal);

        var partialCollection = partialStore.GetCollection<string, Document>("cranfield", new GarnetCollectionOptions());
        var partial = await partialCollection.SearchDetailedAsync(data.QueryRaw[0], 10, cancellationToken: Ct);
        Assert.True(partial.IsPartial);
        Assert.Contains(partial.UnavailableShards, s => s.Contains(shards[1], StringComparison.Ordinal) && s.Contains(victim, StringComparison.Ordinal));
        Assert.NotEmpty(partial.Results);

        // Restart with AOF recovery: every acknowledged write is there, deletes included.
        await cluster.StartNodeAsync(node);
        await GarnetCluster.WaitUntilAsync(async () =>
        {
            try
            {
                return !(await partialCollection.SearchDetailedAsync(data.QueryRaw[0], 10, cancellationToken: Ct)).IsPartial;
            }
            catch (VectorStoreException)
            {
                return false;
            }
        }, "the restarted node to serve its shard");

        Assert.Equal(records.Count + late.Count - 2, await collection.CountAsync(Ct));
        var expectedIds = records.Skip(2).Concat(late).Select(r => r.Id).ToList();
        var stored = await collection.GetAsync(expectedIds, cancellationToken: Ct).Select(r => r.Id).ToListAsync(Ct);
        Assert.Equal(expectedIds.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        Assert.Null(await collection.GetAsync(records[0].Id, cancellationToken: Ct));
        Assert.Equal(expectedIds.Count, (await collection.GetStatisticsAsync(Ct)).Count);
        await exact.DeleteAsync([records[0].Id, records[1].Id], Ct);
        Assert.True(await RecallAsync(collection) >= 0.95);
    }
}
