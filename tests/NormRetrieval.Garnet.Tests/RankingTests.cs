using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Testing;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet.Tests;

/// <summary>On a real encoded collection, Garnet shards rank like the embedded store's exact search.</summary>
public sealed class RankingTests(GarnetFixture garnet)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sharded_results_statistics_and_norm_aware_ranking_match_the_embedded_store()
    {
        var data = TestCollection.Get("cranfield", "minilm");
        var records = Cranfield.Documents(data);

        using var dir = new TempDirectory();
        using var embedded = new NormVectorStore(Path.Combine(dir.Path, "store"), new NormVectorStoreOptions { Engine = "flat" });
        var exact = embedded.GetCollection<string, Document>("cranfield", new NormCollectionOptions());
        await exact.EnsureCollectionExistsAsync(Ct);
        await exact.UpsertAsync(records, Ct);

        using var store = new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { Shards = 3, SearchEf = 200 });
        var sharded = store.GetCollection<string, Document>(garnet.NewName("cranfield"), new GarnetCollectionOptions());
        await sharded.EnsureCollectionExistsAsync(Ct);
        foreach (var chunk in records.Chunk(256))
        {
            await sharded.UpsertAsync(chunk, Ct);
        }

        Assert.Equal(data.DocumentCount, await sharded.CountAsync(Ct));
        var keys = await sharded.ShardKeysAsync();
        Assert.Equal(3, keys!.Count);

        // Per-shard statistics merge to the collection's statistics.
        var merged = await sharded.GetStatisticsAsync(Ct);
        Assert.Equal(exact.Statistics.Count, merged.Count);
        Assert.Equal(exact.Statistics.MeanLogNorm, merged.MeanLogNorm, 9);
        Assert.Equal(exact.Statistics.StdLogNorm, merged.StdLogNorm, 9);
        Assert.Equal(exact.Statistics.Percentile(0.9), merged.Percentile(0.9), 9);

        var rankings = new[] { NormRankingOptions.Parse("cosine"), NormRankingOptions.Parse("specificity:0.05"), NormRankingOptions.Parse("magnitude:0.1") };
        foreach (var ranking in rankings)
        {
            double found = 0, total = 0;
            for (int q = 0; q < 40; q++)
            {
                var query = data.QueryRaw[q];
                var options = new NormSearchOptions<Document> { Ranking = ranking };
                var want = await exact.SearchDetailedAsync(query, 10, options, Ct);
                var got = await sharded.SearchDetailedAsync(query, 10, options, Ct);
                Assert.False(got.IsPartial);
                Assert.Equal(want.QueryNorm, got.QueryNorm, 5);
                var wantScores = want.Results.ToDictionary(r => r.Record.Id, r => r.Score);
                foreach (var r in got.Results)
                {
                    if (wantScores.TryGetValue(r.Record.Id, out double score))
                    {
                        Assert.Equal(score, r.Score, 4);
                        found++;
                    }
                }

                total += want.Results.Count;
            }

            Assert.True(found / total >= 0.95, $"{ranking.Policy}: recall@10 against the exact embedded search is {found / total:F3}");
        }

        // A filter on a data property holds across shards.
        var filtered = await sharded.SearchAsync(data.QueryRaw[0], 10, new VectorSearchOptions<Document> { Filter = d => d.Bucket == 1 }, Ct).ToListAsync(Ct);
        Assert.Equal(10, filtered.Count);
        Assert.All(filtered, r => Assert.Equal(1, r.Record.Bucket));
    }

    [Fact]
    public async Task Q8_quantisation_keeps_scores_close_to_cosine_and_norms_exact()
    {
        var data = TestCollection.Get("cranfield", "minilm");
        using var store = new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { Shards = 2, Quantization = VectorQuantization.Q8 });
        var c = store.GetCollection<string, Document>(garnet.NewName("q8"), new GarnetCollectionOptions());
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Enumerable.Range(0, 300).Select(i => new Document { Id = data.DocumentIds[i], Text = "", Norm = data.DocumentNorms[i], Vector = data.DocumentRaw[i] }), Ct);
        var info = (StackExchange.Redis.RedisResult[])(await garnet.Connection.GetDatabase().ExecuteAsync("VINFO", (StackExchange.Redis.RedisKey)(await c.ShardKeysAsync())![0]))!;
        Assert.Equal("q8", info[1].ToString());
        var response = await c.SearchDetailedAsync(data.QueryRaw[0], 10, cancellationToken: Ct);
        foreach (var r in response.Results)
        {
            int i = Array.IndexOf(data.DocumentIds, r.Record.Id);
            float exact = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(data.QueryRaw[0], data.DocumentRaw[i]);
            Assert.Equal(exact, r.Score, 2);
            Assert.Equal(data.DocumentNorms[i], r.Explanation.Norm, 4);
        }
    }

    [Fact]
    public async Task Text_is_embedded_by_the_generator_with_its_norm()
    {
        using var encoder = new NormRetrieval.Onnx.Encoders.OnnxEncoder(NormRetrieval.Onnx.Models.EncoderModel.MiniLM);
        using var store = new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { EmbeddingGenerator = encoder, Shards = 2 });
        var c = store.GetCollection<string, Passage>(garnet.NewName("passages"));
        await c.EnsureCollectionExistsAsync(Ct);
        string[] texts = ["the boundary layer of a swept wing", "heat transfer in hypersonic flow", "a recipe for apple pie"];
        await c.UpsertAsync(texts.Select((t, i) => new Passage { Id = "p" + i, Text = t, Source = "test", Embedding = t }), Ct);
        var response = await ((GarnetCollection<string, Passage>)c).SearchDetailedAsync("pie baking", 3, cancellationToken: Ct);
        Assert.Equal("p2", response.Results[0].Record.Id);
        Assert.True(response.QueryNorm > 1.5, "raw (unnormalised) query norm");
        Assert.All(response.Results, r => Assert.True(r.Explanation.Norm > 1.5, "raw document norm stored"));
        Assert.Equal(3, (await ((GarnetCollection<string, Passage>)c).GetStatisticsAsync(Ct)).Count);
    }
}
