using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Testing;
using NormRetrieval.Testing.Contract;

namespace NormRetrieval.SemanticKernel.Tests.Contract;

/// <summary>The embedded store in a temporary folder, with one index engine.</summary>
public abstract class EmbeddedContractStore(string engine) : ContractStore
{
    private readonly TempDirectory _dir = new();

    public override string Kind => "embedded-" + engine;

    public string Folder => Path.Combine(_dir.Path, "store");

    public override Type StoreType => typeof(NormVectorStore);

    public override Type CollectionType(Type keyType, Type recordType) => typeof(NormCollection<,>).MakeGenericType(keyType, recordType);

    public override void RegisterStore(IServiceCollection services, object? serviceKey, ServiceLifetime lifetime) =>
        services.AddKeyedNormVectorStore(serviceKey, Folder, new NormVectorStoreOptions { Engine = engine }, lifetime);

    public override void RegisterCollection<TKey, TRecord>(IServiceCollection services, object? serviceKey, string name, ServiceLifetime lifetime) =>
        services.AddKeyedNormCollection<TKey, TRecord>(serviceKey, name, new NormCollectionOptions { Engine = engine }, Folder, lifetime);

    protected override VectorStore CreateStore(IEmbeddingGenerator? generator) =>
        new NormVectorStore(Folder, new NormVectorStoreOptions { Engine = engine, EmbeddingGenerator = generator });

    protected override void DisposeCore() => _dir.Dispose();
}

public sealed class EmbeddedFaissStore() : EmbeddedContractStore("faiss");

public sealed class EmbeddedFlatStore() : EmbeddedContractStore("flat");

public sealed class EmbeddedFaissFilterFixture : FilterContractTests.Fixture, IDisposable
{
    private readonly EmbeddedFaissStore _store = new();

    public override ContractStore Store => _store;

    public void Dispose() => _store.Dispose();
}

public sealed class EmbeddedFlatFilterFixture : FilterContractTests.Fixture, IDisposable
{
    private readonly EmbeddedFlatStore _store = new();

    public override ContractStore Store => _store;

    public void Dispose() => _store.Dispose();
}

public sealed class EmbeddedFaissCrudTests(EmbeddedFaissStore store) : CrudContractTests(store), IClassFixture<EmbeddedFaissStore>;

public sealed class EmbeddedFlatCrudTests(EmbeddedFlatStore store) : CrudContractTests(store), IClassFixture<EmbeddedFlatStore>;

public sealed class EmbeddedFaissFilterTests(EmbeddedFaissFilterFixture fixture) : FilterContractTests(fixture), IClassFixture<EmbeddedFaissFilterFixture>;

public sealed class EmbeddedFlatFilterTests(EmbeddedFlatFilterFixture fixture) : FilterContractTests(fixture), IClassFixture<EmbeddedFlatFilterFixture>;

public sealed class EmbeddedFaissEmbeddingGenerationTests(EmbeddedFaissStore store) : EmbeddingGenerationContractTests(store), IClassFixture<EmbeddedFaissStore>;

public sealed class EmbeddedFlatEmbeddingGenerationTests(EmbeddedFlatStore store) : EmbeddingGenerationContractTests(store), IClassFixture<EmbeddedFlatStore>;

public sealed class EmbeddedFaissDependencyInjectionTests(EmbeddedFaissStore store) : DependencyInjectionContractTests(store), IClassFixture<EmbeddedFaissStore>;

public sealed class EmbeddedFlatDependencyInjectionTests(EmbeddedFlatStore store) : DependencyInjectionContractTests(store), IClassFixture<EmbeddedFlatStore>;
