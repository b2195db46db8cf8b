using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Scoring;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Search;

public sealed class SearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Hotel H(string id, float scale, params float[] direction) => StoreAssertions.Scaled(id, scale, direction);

    [Theory]
    [InlineData("flat")]
    [InlineData("faiss")]
    public async Task Cosine_similarity_scores_are_exactly_cosine_and_thresholds_agree(string engine)
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = engine });
        await StoreAssertions.CosineSimilarityScoresAsync(store.GetCollection<string, Hotel>("h"), Ct);
    }

    [Fact]
    public async Task Cosine_distance_scores_are_one_minus_cosine()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        await StoreAssertions.CosineDistanceScoresAsync(store.GetCollection<long, LongRecord>("l"), Ct);
    }

    [Fact]
    public async Task Norm_aware_ranking_is_an_explicit_opt_in_per_collection_or_per_query()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var plain = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await plain.EnsureCollectionExistsAsync(Ct);

        // "general" is a little closer; "specific" has a much larger norm.
        var docs = new List<Hotel> { H("general", 1, 1, 0.10f, 0, 0), H("specific", 8, 1, 0.16f, 0, 0) };
        docs.AddRange(Enumerable.Range(0, 20).Select(i => H("filler" + i, 1 + (i % 4), 0, 1, 0.05f * i, 0)));
        await plain.UpsertAsync(docs, Ct);
        float[] query = [1, 0, 0, 0];

        // Default: plain cosine.
        var cosine = await plain.SearchDetailedAsync(query, 2, cancellationToken: Ct);
        Assert.Equal("general", cosine.Results[0].Record.Id);
        Assert.Equal("cosine", cosine.Policy);
        Assert.All(cosine.Results, r => Assert.Equal(r.Explanation.Cosine, r.Score, 10));

        // Per query.
        var options = new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse("specificity:0.02") };
        var reranked = await plain.SearchDetailedAsync(query, 2, options, Ct);
        Assert.Equal("specific", reranked.Results[0].Record.Id);
        var e = reranked.Results[0].Explanation;
        Assert.Equal("specificity:0.02", e.Policy);
        Assert.Equal(8 * Math.Sqrt(1 + (0.16 * 0.16)), e.Norm, 3);
        Assert.True(e.Adjustment > 0);
        Assert.Equal(e.Cosine + e.Adjustment, reranked.Results[0].Score, 10);
        Assert.Equal(Math.Sqrt(1), reranked.QueryNorm, 6);

        // The standard SearchAsync honours the per-query options too, and the threshold applies to policy scores.
        var viaStandard = await plain.SearchAsync(query, 1, options, Ct).SingleAsync(Ct);
        Assert.Equal("specific", viaStandard.Record.Id);
        var thresholded = await plain.SearchAsync(query, 5, new NormSearchOptions<Hotel> { Ranking = options.Ranking, ScoreThreshold = reranked.Results[0].Score - 1e-9 }, Ct).ToListAsync(Ct);
        Assert.Single(thresholded);

        // Per collection.
        var ranked = store.GetCollection<string, Hotel>("h", new NormCollectionOptions { Ranking = new NormRankingOptions { Policy = new SpecificityPolicy(0.02), Overfetch = 3 } });
        Assert.Equal("specific", (await ranked.SearchAsync(query, 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Id);

        // The confidence signal is computed from the cosine candidates.
        Assert.Equal(cosine.Results[0].Explanation.Cosine, reranked.Confidence.TopCosine, 6);
    }

    [Fact]
    public async Task Normalised_upstream_embeddings_are_flagged_as_degenerate()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        var rng = new Random(1);
        await c.UpsertAsync(Enumerable.Range(0, 30).Select(i =>
        {
            float[] v = [(float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble(), 1];
            NormRetrieval.Vectors.VectorNorm.Split(v, v);
            return TempStore.Hotel("n" + i, v);
        }), Ct);
        Assert.True(c.NormsAreDegenerate);
        Assert.Contains(temp.Logs.Messages, m => m.Contains("norms are ≈ 1", StringComparison.Ordinal));

        await c.UpsertAsync(TempStore.Hotel("big", 5, 5, 5, 5), Ct);
        Assert.False(c.NormsAreDegenerate);
    }

    [Fact]
    public async Task Statistics_are_maintained_incrementally_and_persisted()
    {
        using var temp = new TempStore();
        var norms = new List<double>();
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            for (int i = 0; i < 10; i++)
            {
                await c.UpsertAsync(TempStore.Hotel("k" + i, i + 1, 0, 0, 0), Ct);
            }

            await c.UpsertAsync(TempStore.Hotel("k3", 100, 0, 0, 0), Ct); // replace
            await c.DeleteAsync("k9", Ct);
            norms.AddRange([1, 2, 3, 100, 5, 6, 7, 8, 9]);
            var expected = new NormRetrieval.Statistics.NormStatistics();
            foreach (double n in norms)
            {
                expected.Add(n);
            }

            Assert.Equal(9, c.Statistics.Count);
            Assert.Equal(expected.MeanLogNorm, c.Statistics.MeanLogNorm, 6);
            Assert.Equal(expected.StdLogNorm, c.Statistics.StdLogNorm, 6);
        }

        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            Assert.Equal(9, c.Statistics.Count);
            Assert.Equal(norms.Average(Math.Log), c.Statistics.MeanLogNorm, 6);
            Assert.Equal(4, c.Statistics.Dimension);
        }
    }
}
