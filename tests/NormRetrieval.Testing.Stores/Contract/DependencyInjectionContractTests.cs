using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.Testing.Contract;

/// <summary>
/// DI as the MEVD connectors have it: stores and collections registered keyed and unkeyed with every
/// lifetime, resolvable as their concrete types, as the abstractions and as <see cref="INormSearchable{TRecord}"/>,
/// usable in every lifetime (several instances over one store at once), with the generator resolved lazily.
/// </summary>
public abstract class DependencyInjectionContractTests(ContractStore fixture)
{
    public static TheoryData<ServiceLifetime, object?> LifetimesAndKeys()
    {
        var data = new TheoryData<ServiceLifetime, object?>();
        foreach (var lifetime in new[] { ServiceLifetime.Singleton, ServiceLifetime.Scoped, ServiceLifetime.Transient })
        {
            data.Add(lifetime, null);
            data.Add(lifetime, "key");
            data.Add(lifetime, 8);
        }

        return data;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(LifetimesAndKeys))]
    public async Task Departure_9_stores_resolve_with_every_lifetime_and_key(ServiceLifetime lifetime, object? key)
    {
        var services = new ServiceCollection();
        fixture.RegisterStore(services, key, lifetime);
        await using var provider = services.BuildServiceProvider();
        Verify(provider, fixture.StoreType, lifetime, key);
        Verify(provider, typeof(VectorStore), lifetime, key);

        // Two live instances at once (transient, or two scopes) work over the same data.
        string name = fixture.NewName("di-store");
        using var scope1 = provider.CreateScope();
        using var scope2 = provider.CreateScope();
        var first = Resolve<VectorStore>(scope1.ServiceProvider, key).GetCollection<string, KeyedRecord<string>>(name, CrudContractTests.Definition(typeof(string)));
        await first.EnsureCollectionExistsAsync(Ct);
        await first.UpsertAsync(new KeyedRecord<string> { Key = "a", Int = 1, Vector = new float[] { 1, 2, 3 } }, Ct);
        var second = Resolve<VectorStore>(scope2.ServiceProvider, key).GetCollection<string, KeyedRecord<string>>(name, CrudContractTests.Definition(typeof(string)));
        Assert.Equal(1, (await second.GetAsync("a", cancellationToken: Ct))!.Int);
    }

    [Theory]
    [MemberData(nameof(LifetimesAndKeys))]
    public async Task Departure_9_collections_resolve_as_concrete_abstract_and_norm_aware_types(ServiceLifetime lifetime, object? key)
    {
        var services = new ServiceCollection();
        string name = fixture.NewName("di-collection");
        fixture.RegisterCollection<string, AttributedRecord>(services, key, name, lifetime);
        await using var provider = services.BuildServiceProvider();
        Verify(provider, fixture.CollectionType(typeof(string), typeof(AttributedRecord)), lifetime, key);
        Verify(provider, typeof(VectorStoreCollection<string, AttributedRecord>), lifetime, key);
        Verify(provider, typeof(IVectorSearchable<AttributedRecord>), lifetime, key);
        Verify(provider, typeof(INormSearchable<AttributedRecord>), lifetime, key);

        using var scope1 = provider.CreateScope();
        using var scope2 = provider.CreateScope();
        var collection = Resolve<VectorStoreCollection<string, AttributedRecord>>(scope1.ServiceProvider, key);
        await collection.EnsureCollectionExistsAsync(Ct);
        await collection.UpsertAsync(new AttributedRecord { Key = "a", Number = 3, Vector = new float[] { 1, 0, 0 } }, Ct);

        // The norm-aware surface with no cast: explanations and the confidence signal.
        var normAware = Resolve<INormSearchable<AttributedRecord>>(scope2.ServiceProvider, key);
        var response = await normAware.SearchDetailedAsync(new ReadOnlyMemory<float>([1, 0, 0]), 1, cancellationToken: Ct);
        Assert.Equal("a", Assert.Single(response.Results).Record.Key);
        Assert.Equal(1.0, response.Results[0].Explanation.Cosine, 4);
        Assert.Equal(1.0, response.Confidence.TopCosine, 4);
        Assert.Equal(1, (await normAware.GetStatisticsAsync(Ct)).Count);
    }

    [Fact]
    public void Null_services_and_bad_names_are_argument_errors()
    {
        Assert.Throws<ArgumentNullException>(() => fixture.RegisterStore(null!, null, ServiceLifetime.Singleton));
        Assert.Throws<ArgumentNullException>(() => fixture.RegisterCollection<string, AttributedRecord>(null!, "k", "c", ServiceLifetime.Singleton));
        Assert.Throws<ArgumentNullException>(() => fixture.RegisterCollection<string, AttributedRecord>(new ServiceCollection(), null, null!, ServiceLifetime.Singleton));
        Assert.Throws<ArgumentException>(() => fixture.RegisterCollection<string, AttributedRecord>(new ServiceCollection(), "k", "", ServiceLifetime.Singleton));
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task The_container_generator_is_resolved_when_the_collection_is_created_not_before(ServiceLifetime lifetime)
    {
        var services = new ServiceCollection();
        bool resolved = false;
        services.AddSingleton<IEmbeddingGenerator>(_ =>
        {
            resolved = true;
            return new VectorTextGenerator();
        });
        fixture.RegisterCollection<string, AttributedRecord>(services, null, fixture.NewName("lazy"), lifetime);
        Assert.False(resolved);
        await using var provider = services.BuildServiceProvider();
        Assert.False(resolved);
        _ = provider.GetRequiredService(fixture.CollectionType(typeof(string), typeof(AttributedRecord)));
        Assert.True(resolved);
    }

    private static void Verify(IServiceProvider provider, Type service, ServiceLifetime lifetime, object? key)
    {
        object first, second, third;
        using (var scope = provider.CreateScope())
        {
            first = Resolve(scope.ServiceProvider, service, key);
        }

        using (var scope = provider.CreateScope())
        {
            second = Resolve(scope.ServiceProvider, service, key);
            third = Resolve(scope.ServiceProvider, service, key);
        }

        Assert.IsAssignableFrom(service, first);
        switch (lifetime)
        {
            case ServiceLifetime.Singleton:
                Assert.Same(first, second);
                Assert.Same(second, third);
                break;
            case ServiceLifetime.Scoped:
                Assert.NotSame(first, second);
                Assert.Same(second, third);
                break;
            default:
                Assert.NotSame(first, second);
                Assert.NotSame(second, third);
                break;
        }
    }

    private static T Resolve<T>(IServiceProvider provider, object? key)
        where T : notnull => (T)Resolve(provider, typeof(T), key);

    private static object Resolve(IServiceProvider provider, Type service, object? key) =>
        key is null ? provider.GetRequiredService(service) : provider.GetRequiredKeyedService(service, key);

    public sealed class AttributedRecord
    {
        [VectorStoreKey]
        public string Key { get; set; } = "";

        [VectorStoreData(StorageName = "number")]
        public int Number { get; set; }

        [VectorStoreVector(3, StorageName = "embedding")]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}
