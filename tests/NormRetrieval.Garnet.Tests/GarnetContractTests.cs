using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Testing.Contract;
using StackExchange.Redis;

namespace NormRetrieval.Garnet.Tests;

/// <summary>An in-process Garnet server (vector sets enabled) and stores with two shards over it.</summary>
public sealed class GarnetContractStore : ContractStore
{
    private readonly global::Garnet.GarnetServer _server;
    private readonly ConnectionMultiplexer _connection;

    public GarnetContractStore()
    {
        int port = GarnetFixture.FreePort();
        _server = GarnetFixture.StartServer(port, password: null);
        _connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port},abortConnect=true");
    }

    public override string Kind => "garnet";

    /// <summary>Vector sets list records only through a query vector.</summary>
    public override bool SupportsFilteredGet => false;

    /// <summary>Garnet's filter literals keep backslash escapes.</summary>
    public override bool SupportsBackslashInFilters => false;

    public override Type StoreType => typeof(GarnetVectorStore);

    public override Type CollectionType(Type keyType, Type recordType) => typeof(GarnetCollection<,>).MakeGenericType(keyType, recordType);

    public override void RegisterStore(IServiceCollection services, object? serviceKey, ServiceLifetime lifetime) =>
        services.AddKeyedGarnetVectorStore(serviceKey, _ => _connection, _ => new GarnetVectorStoreOptions { Shards = 2 }, lifetime);

    public override void RegisterCollection<TKey, TRecord>(IServiceCollection services, object? serviceKey, string name, ServiceLifetime lifetime) =>
        services.AddKeyedGarnetCollection<TKey, TRecord>(serviceKey, name, _ => _connection, storeOptionsProvider: _ => new GarnetVectorStoreOptions { Shards = 2 }, lifetime: lifetime);

    protected override VectorStore CreateStore(IEmbeddingGenerator? generator) =>
        new GarnetVectorStore(_connection, new GarnetVectorStoreOptions { Shards = 2, EmbeddingGenerator = generator });

    protected override void DisposeCore()
    {
        _connection.Dispose();
        _server.Dispose();
    }
}

public sealed class GarnetFilterFixture : FilterContractTests.Fixture, IDisposable
{
    private readonly GarnetContractStore _store = new();

    public override ContractStore Store => _store;

    public void Dispose() => _store.Dispose();
}

public sealed class GarnetCrudTests(GarnetContractStore store) : CrudContractTests(store), IClassFixture<GarnetContractStore>;

public sealed class GarnetFilterTests(GarnetFilterFixture fixture) : FilterContractTests(fixture), IClassFixture<GarnetFilterFixture>;

public sealed class GarnetEmbeddingGenerationTests(GarnetContractStore store) : EmbeddingGenerationContractTests(store), IClassFixture<GarnetContractStore>;

public sealed class GarnetDependencyInjectionTests(GarnetContractStore store) : DependencyInjectionContractTests(store), IClassFixture<GarnetContractStore>;
