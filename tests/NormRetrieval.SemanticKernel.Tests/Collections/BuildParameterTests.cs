using NormRetrieval.Faiss.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

/// <summary>
/// An HNSW collection's build parameter (<c>HNSW8,efConstruction=64</c>) is part of the collection's definition: the
/// graph is built with it, a reopen keeps it, and a graph rebuilt from the database gets it again.
/// </summary>
public sealed class BuildParameterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_graph_keeps_its_ef_construction_through_reopens_and_rebuilds()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 300, 3);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss" }))
        {
            var c = store.GetCollection<string, Hotel>("g", new NormCollectionOptions { IndexFactory = "HNSW8,efConstruction=64" });
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            Assert.Equal("faiss:IDMap,HNSW8,efConstruction=64", c.IndexDescription);
            Assert.Equal(64, ((FaissIndex)store.GetState("g", Ct)!.Index).EfConstruction);
        }

        // Reopened with no options: the collection's definition and the sealed file give it back.
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("g", new NormCollectionOptions());
            Assert.Equal(64, ((FaissIndex)store.GetState("g", Ct)!.Index).EfConstruction);
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Take(10), 5e-5, Ct);
        }

        // The file gone: the graph is rebuilt from the database, with the collection's parameter, not Faiss's default.
        foreach (string file in Directory.GetFiles(temp.Path, "index_*"))
        {
            File.Delete(file);
        }

        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("g", new NormCollectionOptions());
            Assert.Equal(300, c.IndexCount());
            Assert.Equal(64, ((FaissIndex)store.GetState("g", Ct)!.Index).EfConstruction);
            await TempStore.AssertEachFindsItselfAsync(c, hotels.TakeLast(10), 5e-5, Ct);
        }
    }

    [Fact]
    public async Task A_parameter_the_index_does_not_take_creates_no_collection()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss" });
        var c = store.GetCollection<string, Hotel>("f", new NormCollectionOptions { IndexFactory = "Flat,efConstruction=64" });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => c.EnsureCollectionExistsAsync(Ct));
        Assert.Contains("only HNSW indexes take", error.Message, StringComparison.Ordinal);
        Assert.False(await c.CollectionExistsAsync(Ct));
    }
}
