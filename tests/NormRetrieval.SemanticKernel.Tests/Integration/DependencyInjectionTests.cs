using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Integration;

public sealed class DependencyInjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_store_and_collections_resolve_with_the_containers_generator()
    {
        using var temp = new TempStore();
        var services = new ServiceCollection();
        services.AddSingleton<IEmbeddingGenerator>(Encoders.ArcticXs);
        services.AddNormVectorStore(temp.Path);
        services.AddNormCollection<string, Passage>("passages");
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<VectorStore>();
        Assert.Same(provider.GetRequiredService<NormVectorStore>(), store);
        var collection = provider.GetRequiredService<VectorStoreCollection<string, Passage>>();
        Assert.Same(collection, provider.GetRequiredService<IVectorSearchable<Passage>>());
        await collection.EnsureCollectionExistsAsync(Ct);
        await collection.UpsertAsync(new Passage { Id = "x", Text = "t", Embedding = "wind tunnel tests of a delta wing" }, Ct);
        Assert.Equal("x", (await collection.SearchAsync("delta wing", 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Id);
    }

    [Fact]
    public async Task Keyed_registrations_resolve_by_key()
    {
        using var a = new TempStore();
        using var b = new TempStore();
        var services = new ServiceCollection();
        services.AddKeyedNormVectorStore("a", a.Path);
        services.AddKeyedNormVectorStore("b", b.Path);
        services.AddKeyedNormCollection<string, Hotel>("ka", "hotels", directory: Path.Combine(a.Path, "..", "own"));
        await using var provider = services.BuildServiceProvider();
        var storeA = provider.GetRequiredKeyedService<VectorStore>("a");
        var storeB = provider.GetRequiredKeyedService<VectorStore>("b");
        Assert.NotSame(storeA, storeB);
        Assert.EndsWith("store", ((NormVectorStore)storeA).Directory, StringComparison.Ordinal);
        var hotels = provider.GetRequiredKeyedService<VectorStoreCollection<string, Hotel>>("ka");
        await hotels.EnsureCollectionExistsAsync(Ct);
        Assert.Equal("hotels", hotels.Name);
        Assert.NotNull(provider.GetRequiredKeyedService<IVectorSearchable<Hotel>>("ka"));
    }
}
