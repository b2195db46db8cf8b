using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;
using NormRetrieval.Testing;

namespace NormRetrieval.SemanticKernel.Tests.Search;

/// <summary>
/// A selective filter on a Faiss collection is answered exactly, from the vectors the index stores (no graph walk,
/// no scan of the matching rows' bytes): the same results as the managed exact engine gives.
/// </summary>
public sealed class FaissFilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("HNSW8")]
    [InlineData("HNSW8_SQ8")]
    [InlineData("IVF4,Flat")]
    public async Task A_selective_filter_gives_the_exact_engines_results(string factory)
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 1_200, 31);
        for (int i = 0; i < hotels.Length; i++)
        {
            hotels[i].Rating = i % 10;
        }

        // Replaced records leave their old vectors in a graph index (it cannot remove them): they must not answer.
        var replaced = TempStore.RandomHotels("h", 0, 300, 32);
        for (int i = 0; i < replaced.Length; i++)
        {
            replaced[i].Rating = i % 10;
        }

        using var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss", IndexFactory = factory });
        using var reference = new TempStore();
        using var exactStore = reference.Open();
        var faiss = store.GetCollection<string, Hotel>("f", new NormCollectionOptions());
        var exact = exactStore.GetCollection<string, Hotel>("f", new NormCollectionOptions());
        foreach (var c in new[] { faiss, exact })
        {
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            await c.UpsertAsync(replaced, Ct);
        }

        Assert.Equal("exact", exact.IndexDescription);
        var rng = new Random(33);
        for (int q = 0; q < 10; q++)
        {
            float[] query = TestVectors.RandomUnitRows(rng, 1, 4);
            int rating = q % 10;
            var options = new NormSearchOptions<Hotel> { Filter = h => h.Rating == rating };
            var expected = await exact.SearchAsync(query, 10, options, Ct).ToListAsync(Ct);
            var actual = await faiss.SearchAsync(query, 10, options, Ct).ToListAsync(Ct);
            Assert.Equal(10, expected.Count);
            Assert.Equal(expected.Select(r => r.Record.Id), actual.Select(r => r.Record.Id));
            Assert.Equal(expected.Select(r => r.Score!.Value), actual.Select(r => r.Score!.Value), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.All(actual, r => Assert.Equal(rating, r.Record.Rating));
        }
    }
}
