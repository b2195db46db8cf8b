using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using StackExchange.Redis;

namespace NormRetrieval.Garnet.Tests;

public sealed class DependencyInjectionTests(GarnetFixture garnet)
{
    [Fact]
    public async Task The_store_and_a_collection_resolve_over_the_registered_connection()
    {
        string name = garnet.NewName("di");
        var services = new ServiceCollection();
        services.AddSingleton(garnet.Connection);
        services.AddGarnetVectorStore(new GarnetVectorStoreOptions { Shards = 2 });
        services.AddGarnetCollection<string, Hotel>(name);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<GarnetVectorStore>(provider.GetRequiredService<VectorStore>());
        var collection = provider.GetRequiredService<VectorStoreCollection<string, Hotel>>();
        Assert.Same(collection, provider.GetRequiredService<IVectorSearchable<Hotel>>());
        await collection.EnsureCollectionExistsAsync(TestContext.Current.CancellationToken);
        await collection.UpsertAsync(new Hotel { Id = "x", Embedding = [1, 0, 0, 0] }, TestContext.Current.CancellationToken);
        Assert.Equal(2, (await ((GarnetCollection<string, Hotel>)collection).ShardKeysAsync())!.Count);
        Assert.NotNull(await collection.GetAsync("x", cancellationToken: TestContext.Current.CancellationToken));
    }
}
