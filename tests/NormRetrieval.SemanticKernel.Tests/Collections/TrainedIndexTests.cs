using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

/// <summary>
/// Index types that need training (the README's <c>IVF…</c> example): a collection is usable from its first
/// record — held vectors are searched exactly — and the index trains itself once it holds enough, across
/// reopens, without losing or misplacing a record (integrity issue, case 9).
/// </summary>
public sealed class TrainedIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;



    [Fact]
    public async Task Case_9_an_ivf_collection_is_usable_before_training_and_trains_itself_when_it_has_enough()
    {
        Assert.Equal(156, FaissIndex.SuggestedTrainingSize("IVF4,Flat"));
        using var temp = new TempStore();
        var first = TempStore.RandomHotels("h", 0, 100, 1);
        var more = TempStore.RandomHotels("h", 100, 200, 2);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss", IndexFactory = "IVF4,Flat" }))
        {
            var c = store.GetCollection<string, Hotel>("ivf", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(first, Ct);
            var index = (FaissIndex)store.GetState("ivf", Ct)!.Index;
            Assert.False(index.IsTrained);
            Assert.Equal(100, index.PendingCount);
            await TempStore.AssertEachFindsItselfAsync(c, first.Take(20), 5e-5, Ct);
            Assert.Equal(100, (await c.GetStatisticsAsync(Ct)).Count);

            // Closed while untrained: nothing to save, and nothing is lost (the next open rebuilds from the database).
        }

        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss", IndexFactory = "IVF4,Flat" }))
        {
            var c = store.GetCollection<string, Hotel>("ivf", new NormCollectionOptions());
            Assert.Equal(100, c.IndexCount());
            await c.UpsertAsync(more, Ct);
            var index = (FaissIndex)store.GetState("ivf", Ct)!.Index;
            Assert.True(index.IsTrained);
            Assert.Equal(0, index.PendingCount);
            Assert.Null(index.TrainingError);
            Assert.Equal(300, await c.CountAsync(Ct));
            await TempStore.AssertEachFindsItselfAsync(c, first.Take(10).Concat(more.Take(10)), 5e-5, Ct);
        }

        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("ivf", new NormCollectionOptions());
            Assert.Equal("faiss:IVF4,Flat", c.IndexDescription);
            Assert.Equal(300, c.IndexCount());
            await TempStore.AssertEachFindsItselfAsync(c, more.TakeLast(10), 5e-5, Ct);
        }
    }

    [Fact]
    public async Task A_compressed_graph_index_HNSW32_SQ8_holds_its_first_vectors_then_trains_its_quantiser()
    {
        // The scalar quantiser inside "HNSW32_SQ8" needs training: without it the first add would fail in Faiss.
        Assert.Equal(1000, FaissIndex.SuggestedTrainingSize("HNSW32_SQ8"));
        Assert.Equal(39 * 256, FaissIndex.SuggestedTrainingSize("HNSW32_PQ16"));
        Assert.Null(FaissIndex.SuggestedTrainingSize("HNSW32"));
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 1200, 4);
        var options = new NormVectorStoreOptions { Engine = "faiss", IndexFactory = "HNSW32_SQ8" };
        using (var store = temp.Open(options))
        {
            var c = store.GetCollection<string, Hotel>("sq8", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels.Take(600), Ct);
            var index = (FaissIndex)store.GetState("sq8", Ct)!.Index;
            Assert.False(index.IsTrained);
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Take(10), 5e-5, Ct);
            await c.UpsertAsync(hotels.Skip(600), Ct);
            Assert.True(index.IsTrained);
            Assert.Null(index.TrainingError);
            Assert.Equal(0, index.PendingCount);
        }

        using (var store = temp.Open(options))
        {
            var c = store.GetCollection<string, Hotel>("sq8", new NormCollectionOptions());
            Assert.Equal(1200, c.IndexCount());
            Assert.Contains("HNSW32_SQ8", c.IndexDescription, StringComparison.Ordinal);

            // Eight bits a component rank the candidates; their exact directions (from their rows) score them: each
            // vector finds itself first with a cosine of 1, not the quantiser's approximation.
            var index = (FaissIndex)store.GetState("sq8", Ct)!.Index;
            Assert.True(index.StoresApproximateVectors);
            var approximate = index.Search(hotels[0].Embedding!, 1).Results(0).Single();
            Assert.NotEqual(1f, approximate.Score);
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Where((_, i) => i % 60 == 0), 5e-5, Ct);

            // Norm-aware ranking takes the same rescored candidates.
            var ranked = await c.SearchAsync(hotels[7].Embedding!, 3, new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse("specificity:0.01") }, Ct).ToListAsync(Ct);
            Assert.Equal(hotels[7].Id, ranked[0].Record.Id);

            // The refine factor sets how many candidates are rescored: 120 per result fetches all 1,200 records, so
            // the ten returned are exactly the ten best cosines of a brute-force scan.
            Assert.Throws<ArgumentOutOfRangeException>(() => new VectorSearchParameters { RefineFactor = 0 });
            float[] query = [0.3f, -0.5f, 0.1f, 0.8f];
            float scale = 1 / MathF.Sqrt(query.Sum(x => x * x));
            double[] best = [.. hotels.Select(h => (double)h.Embedding!.Zip(query, (a, b) => a * b * scale).Sum()).OrderDescending().Take(10)];
            store.Options.SearchParameters = new VectorSearchParameters { EfSearch = 16, RefineFactor = 120 };
            var refined = await c.SearchAsync(new ReadOnlyMemory<float>(query), 10, cancellationToken: Ct).ToListAsync(Ct);
            Assert.Equal(best, refined.Select(r => r.Score!.Value), (a, b) => Math.Abs(a - b) < 1e-5);
        }
    }

    [Fact]
    public void Case_9_a_failed_automatic_training_keeps_the_vectors_searchable_and_says_why()
    {
        // 40 vectors cannot train 64 lists: Faiss refuses; the vectors stay held and are still found.
        using var index = FaissIndex.Create(4, new FaissIndexOptions { Factory = "IVF64,Flat", TrainAfter = 40 });
        var vectors = TestVectors.RandomUnitRows(new Random(3), 40, 4);
        index.Add([.. Enumerable.Range(0, 40).Select(i => (long)i)], vectors);
        Assert.False(index.IsTrained);
        Assert.NotNull(index.TrainingError);
        Assert.Equal(40, index.PendingCount);
        Assert.Equal(7L, index.Search(vectors.AsSpan(7 * 4, 4), 1).Ids[0]);
    }
}
